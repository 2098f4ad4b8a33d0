using System.Net;
using System.Net.Sockets;
using UsbMesh.Actors;
using UsbMesh.Actors.Event;
using UsbMesh.Net;

namespace UsbMesh.Usbipd;

/// <summary>
/// The usbipd-compatible endpoint (DESIGN §2 <c>usbipd</c>): binds a TCP listener (127.0.0.1:3240 unless
/// configured), accepts in a loop that hands each socket to this actor as a message, and runs one
/// <see cref="UsbipdConnection"/> child per client admitted by a <see cref="ConnectionAdmission"/> (at most
/// <see cref="UsbipdSettings.MaxConnections"/> open, <see cref="UsbipdSettings.AcceptRate"/> new ones per second per
/// address); any other is closed as soon as it is accepted, and counted in a log line written once per
/// <see cref="UsbipdSettings.RefusalsInterval"/> at most. Binding happens in <see cref="PreStart"/>, so a port that is
/// taken fails the actor's start.
/// </summary>
/// <remarks>
/// Coordinated shutdown: <c>service-unbind</c> stops accepting, <c>service-stop</c> closes the connections (each one
/// releases its lease as it stops). A failing connection is stopped, never restarted: its socket is gone.
/// </remarks>
public sealed class UsbipdListener : ReceiveActor
{
    private readonly IActorRef _exports;
    private readonly UsbipdSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<IActorRef, IDisposable> _connections = [];
    private readonly List<IActorRef> _awaitingClose = [];
    private readonly CancellationTokenSource _stopAccepting = new();
    private ConnectionAdmission? _admission;
    private TcpListener? _listener;
    private IPEndPoint? _bound;
    private long _accepted;

    /// <summary>Creates the listener; use through <see cref="Props"/>.</summary>
    /// <param name="exports">The <see cref="ExportsActor"/>.</param>
    /// <param name="settings">Endpoint, limits and timeouts.</param>
    public UsbipdListener(IActorRef exports, UsbipdSettings settings)
    {
        _exports = exports;
        _settings = settings;
        _log = Context.GetLogger();

        Receive<Accepted>(a => OnAccepted(a.Socket, a.Slot));
        Receive<AcceptFailed>(f => _log.Warning("usbipd accept on {Endpoint} failed: {Error}", _bound, f.Cause.Message));
        Receive<Terminated>(OnTerminated);
        Receive<Usbipd.GetBinding>(_ => Sender.Tell(new Usbipd.Bound(_bound, _connections.Count)));
        Receive<Usbipd.Unbind>(_ =>
        {
            StopListening();
            Sender.Tell(Usbipd.Unbound.Instance);
        });
        Receive<Usbipd.CloseConnections>(_ =>
        {
            StopListening();
            foreach (var connection in _connections.Keys)
            {
                Context.Stop(connection);
            }

            _awaitingClose.Add(Sender);
            ReplyIfAllClosed();
        });
    }

    /// <summary>Props for the listener.</summary>
    /// <param name="exports">The <see cref="ExportsActor"/>.</param>
    /// <param name="settings">Endpoint, limits and timeouts.</param>
    public static Props Props(IActorRef exports, UsbipdSettings settings) =>
        Actors.Props.Create(() => new UsbipdListener(exports, settings));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.StoppingStrategy;

    /// <inheritdoc />
    protected override void PreStart()
    {
        var listener = new TcpListener(_settings.Endpoint);
        listener.Start();
        _listener = listener;
        _bound = (IPEndPoint)listener.LocalEndpoint;
        var log = _log;
        var admission = _admission = new ConnectionAdmission("usbipd", _settings.Admission, line => log.Warning("{Refusals}", line), _settings.RefusalsInterval);
        _log.Info("usbipd listening on {Endpoint} (at most {Max} connections, {Rate}/s per address)", _bound, _settings.MaxConnections, _settings.AcceptRate);
        var self = Self;
        var token = _stopAccepting.Token;
        _ = Task.Run(() => AcceptLoopAsync(listener, admission, self, token));
        RegisterShutdownTasks(self);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        StopListening();
        _stopAccepting.Dispose();
        _admission?.Dispose();
    }

    private void RegisterShutdownTasks(IActorRef self)
    {
        var timeout = _settings.CloseTimeout + TimeSpan.FromSeconds(1);
        var shutdown = CoordinatedShutdown.Get(Context.System);
        try
        {
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "usbipd-unbind", () => AskQuietly(self, Usbipd.Unbind.Instance, timeout));
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "usbipd-close-connections", () => AskQuietly(self, Usbipd.CloseConnections.Instance, timeout));
        }
        catch (InvalidOperationException)
        {
            // The shutdown is already running; the actor tree stops us anyway.
        }

        static async Task AskQuietly(IActorRef target, object message, TimeSpan timeout)
        {
            try
            {
                await target.Ask(message, timeout).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                // Stopped already, or too slow: the phase goes on either way.
            }
        }
    }

    private static async Task AcceptLoopAsync(TcpListener listener, ConnectionAdmission admission, IActorRef self, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                var socket = await listener.AcceptSocketAsync(token).ConfigureAwait(false);
                // Refused here, before the actor sees it: a flood costs the node an accept and a close each.
                if (admission.TryAdmit(socket.RemoteEndPoint) is { } slot)
                {
                    self.Tell(new Accepted(socket, slot), ActorRefs.NoSender);
                }
                else
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Dispose();
                }
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors, a connection reset while queued, …: report it, breathe, keep accepting.
                self.Tell(new AcceptFailed(e), ActorRefs.NoSender);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void OnAccepted(Socket socket, IDisposable slot)
    {
        var peer = socket.RemoteEndPoint?.ToString() ?? "unknown peer";
        if (_listener is null)
        {
            socket.Dispose();
            slot.Dispose();
            return;
        }

        var id = ++_accepted;
        var connection = Context.ActorOf(UsbipdConnection.Props(socket, _exports, _settings).WithDispatcher(_settings.Dispatcher), $"conn-{id}");
        Context.Watch(connection);
        _connections.Add(connection, slot);
        _log.Debug("usbipd connection {Id} from {Peer}", id, peer);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (_connections.Remove(terminated.ActorRef, out var slot))
        {
            slot.Dispose();
            ReplyIfAllClosed();
        }
    }

    private void ReplyIfAllClosed()
    {
        if (_connections.Count > 0)
        {
            return;
        }

        foreach (var waiting in _awaitingClose)
        {
            waiting.Tell(Usbipd.ConnectionsClosed.Instance);
        }

        _awaitingClose.Clear();
    }

    private void StopListening()
    {
        if (_listener is null)
        {
            return;
        }

        _stopAccepting.Cancel();
        _listener.Stop();
        _listener = null;
        _log.Info("usbipd stopped listening on {Endpoint}", _bound);
        _bound = null;
    }

    private sealed record Accepted(Socket Socket, IDisposable Slot);

    private sealed record AcceptFailed(SocketException Cause);
}
