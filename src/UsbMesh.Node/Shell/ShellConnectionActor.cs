using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>
/// One shell connection (an admin socket client, or a peer's lane): reads its frames, answers the hello, runs each
/// command as it comes (several at once) and ends every one with exactly one <see cref="ShellFrame.End"/>. A client
/// that breaks the protocol is told why and its connection closed; the others are not touched. A client that sends
/// no hello within the handshake timeout (<c>shell.handshake-timeout</c>) is closed too: a silent or trickling
/// client holds its admission slot that long at most.
/// </summary>
internal sealed class ShellConnectionActor : ReceiveActor
{
    private readonly CommandHost _host;
    private readonly Stream _stream;
    private readonly ShellCaller _caller;
    private readonly ShellWriter _writer;
    private readonly ILoggingAdapter _log;
    private readonly IDisposable? _slot;
    private readonly CancellationTokenSource _closing = new();
    private readonly Dictionary<int, CancellationTokenSource> _running = [];
    private bool _welcomed;
    private bool _closed;

    public ShellConnectionActor(CommandHost host, Stream stream, ShellCaller caller, IDisposable? slot)
    {
        _host = host;
        _stream = stream;
        _caller = caller;
        _slot = slot;
        _writer = new ShellWriter(stream);
        _log = Context.GetLogger();
        Receive<Received>(received => OnFrame(received.Frame));
        Receive<HelloTimedOut>(_ =>
        {
            if (!_welcomed && !_closed)
            {
                // Not a warning each: a flood of silent clients would make one line per connection.
                var why = $"no hello within {_host.HelloTimeout.TotalSeconds:0.###} s";
                _log.Info("Closing the shell connection of {0}: {1}", _caller, why);
                Close(why);
            }
        });
        Receive<Closed>(closed =>
        {
            _log.Debug("Shell connection of {0} closed: {1}", _caller, closed.Reason);
            _closed = true;
            foreach (var running in _running.Values)
            {
                running.Cancel();
            }

            StopWhenIdle();
        });
        Receive<Finished>(finished =>
        {
            if (_running.Remove(finished.Id, out var cancel))
            {
                cancel.Dispose();
            }

            StopWhenIdle();
        });
    }

    public static Props Props(CommandHost host, Stream stream, ShellCaller caller, IDisposable? slot = null) =>
        Actors.Props.Create(() => new ShellConnectionActor(host, stream, caller, slot));

    protected override void PreStart()
    {
        var self = Self;
        Context.System.Scheduler.ScheduleTellOnce(_host.HelloTimeout, self, HelloTimedOut.Instance, ActorRefs.NoSender);
        _ = Task.Run(() => ReadAsync(self));
    }

    protected override void PostStop()
    {
        _closing.Cancel();
        foreach (var running in _running.Values)
        {
            running.Cancel();
        }

        _stream.Dispose();
        _writer.Dispose();
        _closing.Dispose();
        _slot?.Dispose();
    }

    private void OnFrame(ShellFrame frame)
    {
        switch (frame)
        {
            case ShellFrame.Hello hello when !_welcomed:
                _welcomed = true;
                _log.Debug("Shell connection of {0} ({1})", _caller, hello.Client);
                _ = _writer.WriteAsync(_host.Welcome);
                break;
            case ShellFrame.Run run when _welcomed && !_closed:
                Start(run);
                break;
            case ShellFrame.Cancel cancel when _welcomed:
                if (_running.TryGetValue(cancel.Id, out var running))
                {
                    running.Cancel();
                }

                break;
            default:
                Violation($"a {frame.GetType().Name.ToLowerInvariant()} frame is not expected {(_welcomed ? "after the hello" : "before the hello")}");
                break;
        }
    }

    private void Start(ShellFrame.Run run)
    {
        var id = run.Id;
        if (_running.ContainsKey(id))
        {
            // The running command keeps its id; the client learns its mistake without an end that would close it.
            _ = _writer.WriteAsync(new ShellFrame.Error(id, ShellErrors.Usage, $"Command id {id} is already running on this connection."));
            return;
        }

        var cancel = new CancellationTokenSource();
        _running[id] = cancel;
        var self = Self;
        var token = cancel.Token;
        _ = Task.Run(async () =>
        {
            var exit = ShellErrors.ExitFailed;
            try
            {
                exit = await _host.RunAsync(run.Request, _caller, new ShellOutput(id, _writer.WriteAsync), token).ConfigureAwait(false);
            }
            finally
            {
                await _writer.WriteAsync(new ShellFrame.End(id, exit)).ConfigureAwait(false);
                self.Tell(new Finished(id));
            }
        }, CancellationToken.None);
    }

    /// <summary>The client broke the protocol: it is told why, then its connection ends.</summary>
    private void Violation(string why)
    {
        _log.Warning("Closing the shell connection of {0}: {1}", _caller, why);
        Close(why);
    }

    /// <summary>Tells the client why its connection ends, then ends it.</summary>
    private void Close(string why)
    {
        _closed = true;
        // Closing the stream ends the read loop, which reports the connection closed (once).
        var stream = _stream;
        _ = _writer.WriteAsync(new ShellFrame.Error(0, ShellErrors.Usage, $"Shell protocol error: {why}; the connection is closed."))
            .ContinueWith(_ => stream.Dispose(), TaskScheduler.Default);
    }

    private void StopWhenIdle()
    {
        if (_closed && _running.Count == 0)
        {
            Context.Stop(Self);
        }
    }

    private async Task ReadAsync(IActorRef self)
    {
        var reason = "the client closed it";
        try
        {
            while (await ShellFraming.ReadAsync(_stream, _closing.Token).ConfigureAwait(false) is { } frame)
            {
                self.Tell(new Received(frame));
            }
        }
        catch (ShellProtocolException e)
        {
            reason = e.Message;
            _log.Warning("Closing the shell connection of {0}: {1}", _caller, e.Message);
            await _writer.WriteAsync(new ShellFrame.Error(0, ShellErrors.Usage, $"{e.Message}; the connection is closed.")).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The stream broke (a socket, a mesh lane that ended): the connection is over either way.
            reason = e.Message;
        }

        self.Tell(new Closed(reason));
    }

    private sealed record Received(ShellFrame Frame);

    private sealed record Closed(string Reason);

    private sealed record Finished(int Id);

    private sealed record HelloTimedOut
    {
        public static readonly HelloTimedOut Instance = new();
    }
}
