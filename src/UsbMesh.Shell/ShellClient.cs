using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace UsbMesh.Shell;

/// <summary>
/// A connection to a node's command host: the handshake, then commands whose output frames stream back until
/// their <see cref="ShellFrame.End"/>. Used by the <c>usbmesh</c> client, the dashboard and tests.
/// </summary>
public sealed class ShellClient : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<int, Channel<ShellFrame>> _running = new();
    private readonly CancellationTokenSource _closing = new();
    private Task _reader = Task.CompletedTask;
    private int _nextId;

    private ShellClient(Stream stream, ShellFrame.Welcome welcome)
    {
        _stream = stream;
        Welcome = welcome;
    }

    /// <summary>The node's name, id and palettes, as it sent them when the connection opened.</summary>
    public ShellFrame.Welcome Welcome { get; }

    /// <summary>Connects to the node's admin socket at <paramref name="socketPath"/>.</summary>
    /// <exception cref="ShellUnavailableException">Nothing listens there, or the caller may not open it.</exception>
    public static async Task<ShellClient> ConnectAsync(string socketPath, string client, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var why = e.SocketErrorCode switch
            {
                SocketError.AccessDenied => "permission denied (the socket belongs to the node's user and group)",
                SocketError.AddressNotAvailable or SocketError.ConnectionRefused => "no node is running there",
                _ => e.Message,
            };
            throw new ShellUnavailableException($"Cannot reach the node's admin socket {socketPath}: {why}.", e);
        }

        return await ConnectAsync(new NetworkStream(socket, ownsSocket: true), client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a shell session on <paramref name="stream"/>, which the client then owns.</summary>
    public static async Task<ShellClient> ConnectAsync(Stream stream, string client, CancellationToken cancellationToken = default)
    {
        try
        {
            await ShellFraming.WriteAsync(stream, new ShellFrame.Hello(client), cancellationToken).ConfigureAwait(false);
            var first = await ShellFraming.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
            if (first is not ShellFrame.Welcome welcome)
            {
                throw new ShellUnavailableException(first is ShellFrame.Error error
                    ? error.Message
                    : "The node closed the shell connection without a welcome.");
            }

            var shell = new ShellClient(stream, welcome);
            shell._reader = Task.Run(shell.ReadLoopAsync, CancellationToken.None);
            return shell;
        }
        catch (Exception e) when (e is not (OperationCanceledException or ShellUnavailableException or OutOfMemoryException))
        {
            // Whatever the stream throws (a socket's IOException, a mesh lane's own errors), the connection failed.
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new ShellUnavailableException($"The shell connection failed: {e.Message}", e);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="request"/> and yields its output frames, the last one its <see cref="ShellFrame.End"/>.
    /// Cancelling asks the node to stop the command and still yields the frames up to its end. A connection that
    /// breaks ends the command with an <see cref="ShellErrors.Unavailable"/> error.
    /// </summary>
    public async IAsyncEnumerable<ShellFrame> RunAsync(CommandRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var output = Channel.CreateUnbounded<ShellFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _running[id] = output;
        try
        {
            if (!await TrySendAsync(new ShellFrame.Run(id, request)).ConfigureAwait(false))
            {
                yield return new ShellFrame.Error(id, ShellErrors.Unavailable, "The connection to the node is closed.");
                yield return new ShellFrame.End(id, ShellErrors.ExitUnavailable);
                yield break;
            }

            // A connection that broke before the command was registered gets no end from the reader: say so here.
            if (_reader.IsCompleted)
            {
                output.Writer.TryWrite(new ShellFrame.Error(id, ShellErrors.Unavailable, "The connection to the node is closed."));
                output.Writer.TryWrite(new ShellFrame.End(id, ShellErrors.ExitUnavailable));
            }

            await using var cancel = cancellationToken.Register(() => _ = TrySendAsync(new ShellFrame.Cancel(id)));
            await foreach (var frame in output.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                yield return frame;
                if (frame is ShellFrame.End)
                {
                    yield break;
                }
            }
        }
        finally
        {
            _running.TryRemove(id, out _);
        }
    }

    private async Task<bool> TrySendAsync(ShellFrame frame)
    {
        try
        {
            await _writeLock.WaitAsync(_closing.Token).ConfigureAwait(false);
            try
            {
                await ShellFraming.WriteAsync(_stream, frame, _closing.Token).ConfigureAwait(false);
                return true;
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any failure of the stream means the command cannot be sent: the connection is gone.
            return false;
        }
    }

    private async Task ReadLoopAsync()
    {
        var why = "The node closed the shell connection.";
        try
        {
            while (await ShellFraming.ReadAsync(_stream, _closing.Token).ConfigureAwait(false) is { } frame)
            {
                if (IdOf(frame) is { } id && _running.TryGetValue(id, out var output))
                {
                    output.Writer.TryWrite(frame);
                }
                else if (frame is ShellFrame.Error { Id: 0 } error)
                {
                    // The node's word on the connection itself (a protocol error), said before it closes it.
                    why = error.Message;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever ended the reading (a socket, a mesh lane, bad framing), no more frames come: say why below.
            why = $"The shell connection broke: {e.Message}";
        }

        // Commands still running learn that no end will come.
        foreach (var (id, output) in _running)
        {
            output.Writer.TryWrite(new ShellFrame.Error(id, ShellErrors.Unavailable, why));
            output.Writer.TryWrite(new ShellFrame.End(id, ShellErrors.ExitUnavailable));
        }
    }

    private static int? IdOf(ShellFrame frame) => frame switch
    {
        ShellFrame.Line f => f.Id,
        ShellFrame.Table f => f.Id,
        ShellFrame.Progress f => f.Id,
        ShellFrame.Error f => f.Id,
        ShellFrame.End f => f.Id,
        _ => null,
    };

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
        _closing.Dispose();
        _writeLock.Dispose();
    }
}

/// <summary>The node cannot be reached, or refused the shell connection; the message says why.</summary>
public sealed class ShellUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
