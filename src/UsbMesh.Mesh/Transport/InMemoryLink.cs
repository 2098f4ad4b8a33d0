using System.IO.Pipelines;

namespace UsbMesh.Mesh.Transport;

/// <summary>
/// One direction of an in-memory connection, with the faults a network has: a delay on what is sent, a partition
/// that holds bytes back (as TCP keeps retransmitting them) until it heals, and a cut that ends the connection. Order
/// is always kept.
/// </summary>
internal sealed class InMemoryLink
{
    private readonly Pipe _sent = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly Pipe _delivered = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly CancellationTokenSource _cut = new();
    private readonly InMemoryFaults _faults;

    public InMemoryLink(InMemoryFaults faults)
    {
        _faults = faults;
        _ = Task.Run(PumpAsync);
    }

    /// <summary>What the receiving side reads.</summary>
    public Stream Output => _delivered.Reader.AsStream();

    /// <summary>What the sending side writes.</summary>
    public Stream Input => _sent.Writer.AsStream();

    /// <summary>Ends the link: the reader sees the end of the stream; what was not delivered is lost.</summary>
    public void Cut() => _cut.Cancel();

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                var read = await _sent.Reader.ReadAsync(_cut.Token).ConfigureAwait(false);
                if (!read.Buffer.IsEmpty)
                {
                    await _faults.WaitUntilPassableAsync().WaitAsync(_cut.Token).ConfigureAwait(false);
                    if (_faults.Delay > TimeSpan.Zero)
                    {
                        await Task.Delay(_faults.Delay, _cut.Token).ConfigureAwait(false);
                    }

                    if (!_faults.Dropping)
                    {
                        foreach (var segment in read.Buffer)
                        {
                            await _delivered.Writer.WriteAsync(segment, _cut.Token).ConfigureAwait(false);
                        }
                    }
                }

                _sent.Reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await _sent.Reader.CompleteAsync().ConfigureAwait(false);
            await _delivered.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The faults currently applied between two in-memory nodes, both directions.</summary>
public sealed class InMemoryFaults
{
    private TaskCompletionSource _healed = CompletedSource();

    /// <summary>Added to every write's delivery.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Whether bytes written now are lost on the way (<see cref="Drop"/>).</summary>
    public bool Dropping { get; private set; }

    /// <summary>Whether bytes are held back (as in a partition) until <see cref="Heal"/>.</summary>
    public bool Partitioned => !_healed.Task.IsCompleted;

    /// <summary>Holds back every byte from now on, until <see cref="Heal"/>.</summary>
    public void Partition()
    {
        lock (this)
        {
            if (!Partitioned)
            {
                _healed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Loses every byte written from now on until <see cref="Heal"/>: a stream that lost data mid-way,
    /// which the receiving side must detect (a broken frame, a stalled lane) rather than misread.</summary>
    public void Drop()
    {
        lock (this)
        {
            Dropping = true;
        }
    }

    /// <summary>Lets the held-back bytes through, in order, and everything after them; stops dropping.</summary>
    public void Heal()
    {
        lock (this)
        {
            Dropping = false;
            _healed.TrySetResult();
        }
    }

    internal Task WaitUntilPassableAsync()
    {
        lock (this)
        {
            return _healed.Task;
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
