using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace UsbMesh.Qemu.Tests;

/// <summary>An error QEMU answered a QMP command with.</summary>
/// <param name="command">The QMP command that failed.</param>
/// <param name="errorClass">QMP's error class, e.g. <c>GenericError</c> or <c>DeviceNotFound</c>.</param>
/// <param name="description">QMP's human-readable <c>desc</c>.</param>
public sealed class QemuMonitorException(string command, string errorClass, string description)
    : InvalidOperationException($"QMP {command} failed: {errorClass}: {description}")
{
    /// <summary>QMP's error class, e.g. <c>GenericError</c> or <c>DeviceNotFound</c>.</summary>
    public string ErrorClass { get; } = errorClass;

    /// <summary>QMP's human-readable <c>desc</c>.</summary>
    public string Description { get; } = description;
}

/// <summary>
/// A client of QEMU's machine protocol (QMP) on a unix socket, as run-guest.sh <c>--qmp PATH</c> creates it. It reads
/// the greeting, leaves negotiation mode with <c>qmp_capabilities</c>, runs commands one at a time and collects
/// every asynchronous event (<see cref="Events"/>, <see cref="WaitForEventAsync"/>). Every call is bounded by a
/// timeout (<see cref="DefaultTimeout"/> unless given).
/// </summary>
public sealed class QemuMonitor : IAsyncDisposable
{
    /// <summary>The limit of a call that is given no timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly List<JsonElement> _events = [];
    private readonly List<(string Name, Func<JsonElement, bool> Predicate, int Since, TaskCompletionSource<JsonElement> Done)> _waiters = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource<JsonElement>? _pending;
    private long _pendingId;
    private long _nextId;
    private Exception? _closed;
    private Task _readLoop = Task.CompletedTask;

    private QemuMonitor(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, new UTF8Encoding(false));
    }

    /// <summary>QEMU's greeting (<c>{"QMP": {"version": ..., "capabilities": ...}}</c>).</summary>
    public JsonElement Greeting { get; private set; }

    /// <summary>Number of events received so far; pass it as <c>since</c> to wait only for later events.</summary>
    public int EventCount
    {
        get
        {
            lock (_events)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>A copy of every event received so far, in order (each the whole message with event, data, timestamp).</summary>
    public IReadOnlyList<JsonElement> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>
    /// Connects to QEMU's QMP socket, retrying until QEMU has created it, reads the greeting and sends
    /// <c>qmp_capabilities</c>.
    /// </summary>
    /// <param name="socketPath">The unix socket path given to <c>-qmp unix:PATH,server=on,wait=off</c>.</param>
    /// <param name="timeout">Limit for the whole connect, greeting and negotiation.</param>
    /// <param name="cancellationToken">Stops the retries early.</param>
    public static async Task<QemuMonitor> ConnectAsync(
        string socketPath, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        Socket socket;
        while (true)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token);
                break;
            }
            catch (SocketException) when (!cts.IsCancellationRequested)
            {
                // QEMU has not created or not yet listens on the socket.
                socket.Dispose();
                await DelayOrTimeout(socketPath, timeout, clock, cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new TimeoutException($"no QMP socket at {socketPath} within {timeout.TotalSeconds:F0} s");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        var monitor = new QemuMonitor(socket);
        try
        {
            string? greeting;
            try
            {
                greeting = await monitor._reader.ReadLineAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no QMP greeting on {socketPath} within {timeout.TotalSeconds:F0} s");
            }

            if (greeting is null)
            {
                throw new IOException($"QMP socket {socketPath} closed before the greeting");
            }

            using (var document = JsonDocument.Parse(greeting))
            {
                monitor.Greeting = document.RootElement.Clone();
            }

            if (!monitor.Greeting.TryGetProperty("QMP", out _))
            {
                throw new IOException($"not a QMP greeting: {greeting}");
            }

            monitor._readLoop = Task.Run(monitor.ReadLoopAsync);
            var remaining = timeout - clock.Elapsed;
            await monitor.ExecuteAsync("qmp_capabilities", timeout: remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            return monitor;
        }
        catch
        {
            await monitor.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs one QMP command and returns its <c>return</c> value.</summary>
    /// <param name="command">The QMP command, e.g. <c>query-status</c>.</param>
    /// <param name="arguments">Its arguments: anything System.Text.Json serializes to an object, or null.</param>
    /// <param name="timeout">Limit for sending and the answer; <see cref="DefaultTimeout"/> when null.</param>
    /// <exception cref="QemuMonitorException">QEMU answered with an error.</exception>
    /// <exception cref="TimeoutException">No answer within the timeout.</exception>
    public async Task<JsonElement> ExecuteAsync(string command, object? arguments = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await _commandLock.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"QMP {command}: an earlier command still runs after {limit.TotalSeconds:F0} s");
        }

        try
        {
            var id = Interlocked.Increment(ref _nextId);
            var done = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_events)
            {
                if (_closed is not null)
                {
                    throw new IOException("QMP connection is closed", _closed);
                }

                _pending = done;
                _pendingId = id;
            }

            var message = new JsonObject { ["execute"] = command, ["id"] = id };
            if (arguments is not null)
            {
                message["arguments"] = JsonSerializer.SerializeToNode(arguments);
            }

            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
            JsonElement reply;
            try
            {
                await _stream.WriteAsync(bytes, cts.Token);
                reply = await done.Task.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"QMP {command}: no answer within {limit.TotalSeconds:F0} s");
            }
            finally
            {
                lock (_events)
                {
                    _pending = null;
                }
            }

            if (reply.TryGetProperty("error", out var error))
            {
                throw new QemuMonitorException(
                    command,
                    error.TryGetProperty("class", out var errorClass) ? errorClass.GetString() ?? "" : "",
                    error.TryGetProperty("desc", out var desc) ? desc.GetString() ?? "" : error.ToString());
            }

            return reply.GetProperty("return");
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>Waits for an event, also among those that arrived already (from index <paramref name="since"/>).</summary>
    /// <param name="name">The event name, e.g. <c>DEVICE_DELETED</c>.</param>
    /// <param name="predicate">Further condition on the whole event message; null accepts any.</param>
    /// <param name="timeout">Limit; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="since">Index into <see cref="Events"/> from which events count (see <see cref="EventCount"/>).</param>
    /// <returns>The whole event message (<c>event</c>, <c>data</c>, <c>timestamp</c>).</returns>
    public async Task<JsonElement> WaitForEventAsync(
        string name, Func<JsonElement, bool>? predicate = null, TimeSpan? timeout = null, int since = 0)
    {
        var limit = timeout ?? DefaultTimeout;
        var filter = predicate ?? (_ => true);
        var waiter = (name, filter, since, new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_events)
        {
            for (var i = Math.Max(since, 0); i < _events.Count; i++)
            {
                if (Matches(_events[i], name, filter))
                {
                    return _events[i];
                }
            }

            if (_closed is not null)
            {
                throw new IOException($"QMP connection closed before event {name}", _closed);
            }

            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Item4.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no QMP event {name} within {limit.TotalSeconds:F0} s");
        }
        finally
        {
            lock (_events)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Hot-plugs a device (<c>device_add</c>).</summary>
    /// <param name="driver">The device type, e.g. <c>usb-kbd</c>.</param>
    /// <param name="id">The device id, used again by <see cref="DeviceDelAsync"/>.</param>
    /// <param name="properties">Further properties, e.g. <c>new { bus = "xhci.0" }</c> or a dictionary; null for none.</param>
    /// <param name="timeout">Limit; <see cref="DefaultTimeout"/> when null.</param>
    public async Task DeviceAddAsync(string driver, string id, object? properties = null, TimeSpan? timeout = null)
    {
        var arguments = new JsonObject();
        if (properties is not null && JsonSerializer.SerializeToNode(properties) is JsonObject extra)
        {
            foreach (var (key, value) in extra)
            {
                arguments[key] = value?.DeepClone();
            }
        }

        arguments["driver"] = driver;
        arguments["id"] = id;
        await ExecuteAsync("device_add", arguments, timeout);
    }

    /// <summary>Unplugs a device (<c>device_del</c>) and waits for QEMU's <c>DEVICE_DELETED</c> event of that id.</summary>
    /// <param name="id">The id given to <see cref="DeviceAddAsync"/> or <c>-device ...,id=</c>.</param>
    /// <param name="timeout">Limit for the command and the event together; <see cref="DefaultTimeout"/> when null.</param>
    public async Task DeviceDelAsync(string id, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var since = EventCount;
        await ExecuteAsync("device_del", new JsonObject { ["id"] = id }, limit);
        var remaining = limit - clock.Elapsed;
        await WaitForEventAsync(
            "DEVICE_DELETED",
            e => e.TryGetProperty("data", out var data)
                && data.TryGetProperty("device", out var device)
                && device.ValueKind == JsonValueKind.String
                && device.GetString() == id,
            remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero,
            since);
    }

    /// <summary>Runs a human monitor command (<c>human-monitor-command</c>), e.g. <c>info usb</c>.</summary>
    /// <param name="commandLine">The command as typed at the <c>(qemu)</c> prompt.</param>
    /// <param name="timeout">Limit; <see cref="DefaultTimeout"/> when null.</param>
    /// <returns>The text the command printed.</returns>
    public async Task<string> HumanMonitorCommandAsync(string commandLine, TimeSpan? timeout = null)
    {
        var result = await ExecuteAsync(
            "human-monitor-command", new JsonObject { ["command-line"] = commandLine }, timeout);
        return result.ValueKind == JsonValueKind.String ? result.GetString() ?? "" : result.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Not connected or already closed by QEMU.
        }
        catch (ObjectDisposedException)
        {
            // Already disposed.
        }

        _socket.Dispose();
        try
        {
            await _readLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // The socket is closed; the loop ends on its own.
        }

        _reader.Dispose();
        _stream.Dispose();
        _stop.Dispose();
        _commandLock.Dispose();
    }

    private static bool Matches(JsonElement message, string name, Func<JsonElement, bool> predicate) =>
        message.TryGetProperty("event", out var eventName) && eventName.GetString() == name && predicate(message);

    private static async Task DelayOrTimeout(string socketPath, TimeSpan timeout, Stopwatch clock, CancellationToken token)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(
                $"no QMP socket at {socketPath} within {timeout.TotalSeconds:F0} s ({clock.Elapsed.TotalSeconds:F1} s)");
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception closed = new IOException("QMP connection closed by QEMU");
        try
        {
            while (await _reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                JsonElement message;
                using (var document = JsonDocument.Parse(line))
                {
                    message = document.RootElement.Clone();
                }

                Dispatch(message);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException
            or SocketException or JsonException)
        {
            closed = e;
        }

        lock (_events)
        {
            _closed = closed;
            _pending?.TrySetException(new IOException("QMP connection closed", closed));
            foreach (var waiter in _waiters)
            {
                waiter.Done.TrySetException(new IOException($"QMP connection closed before event {waiter.Name}", closed));
            }
        }
    }

    private void Dispatch(JsonElement message)
    {
        lock (_events)
        {
            if (message.TryGetProperty("event", out _))
            {
                _events.Add(message);
                foreach (var waiter in _waiters)
                {
                    if (_events.Count - 1 >= waiter.Since && Matches(message, waiter.Name, waiter.Predicate))
                    {
                        waiter.Done.TrySetResult(message);
                    }
                }
            }
            else if (_pending is not null
                && (!message.TryGetProperty("id", out var id) || (id.TryGetInt64(out var n) && n == _pendingId)))
            {
                _pending.TrySetResult(message);
            }
        }
    }
}
