using System.Diagnostics;
using System.Text;

namespace UsbMesh.Qemu.Tests;

/// <summary>How to boot a guest: the script it runs and the QEMU devices around it.</summary>
public sealed record QemuGuestOptions
{
    /// <summary>Shell script (busybox sh) the guest runs; its exit code is the guest's result.</summary>
    public required string Script { get; init; }

    /// <summary>Limit after which QEMU is killed; boot included. Default 120 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Guest memory in MiB; at least 1024 when <see cref="HostRoot"/> is set (dotnet needs it).</summary>
    public int MemoryMb { get; init; } = 512;

    /// <summary>
    /// Shares the host's / read-only as tag <c>hostroot</c> (run-guest.sh <c>--host-root</c>), so the script can run
    /// host programs such as dotnet and udevd with <c>usbmesh-hostroot [--udev] -- COMMAND</c>.
    /// </summary>
    public bool HostRoot { get; init; }

    /// <summary>Starts QEMU with a QMP socket; <see cref="QemuGuest.Monitor"/> is connected once <see cref="QemuGuest.Ready"/> completes.</summary>
    public bool Qmp { get; init; }

    /// <summary>Guest CPUs (run-guest.sh's USBMESH_QEMU_SMP); TCG runs one host thread per CPU.</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>Adds a qemu-xhci controller, for <see cref="Devices"/> such as <c>usb-kbd</c>.</summary>
    public bool Xhci { get; init; }

    /// <summary>QEMU <c>-device</c> arguments, e.g. <c>usb-kbd</c> or <c>usb-storage,drive=stick</c>.</summary>
    public IReadOnlyList<string> Devices { get; init; } = [];

    /// <summary>User-net hostfwd rules, e.g. <c>tcp:127.0.0.1:5555-:3240</c>.</summary>
    public IReadOnlyList<string> HostForwards { get; init; } = [];

    /// <summary>Host directories shared over 9p: (host path, tag, read-only); the guest sees /mnt/tag.</summary>
    public IReadOnlyList<(string HostPath, string Tag, bool ReadOnly)> Shares { get; init; } = [];

    /// <summary>Raw extra QEMU arguments, e.g. <c>-drive if=none,id=stick,file=...,format=raw</c>.</summary>
    public IReadOnlyList<string> ExtraQemuArguments { get; init; } = [];
}

/// <summary>What a guest run produced.</summary>
/// <param name="ExitCode">The script's exit code from the guest's exit marker; null when the marker never came.</param>
/// <param name="TimedOut">The harness killed QEMU at the timeout.</param>
/// <param name="Output">Everything the guest's serial console and the harness printed.</param>
/// <param name="BootTime">From starting the harness to the guest's READY marker (the script starts there).</param>
/// <param name="Elapsed">From starting the harness to QEMU's exit.</param>
public sealed record QemuGuestResult(int? ExitCode, bool TimedOut, string Output, TimeSpan? BootTime, TimeSpan Elapsed);

/// <summary>
/// One QEMU guest booted with the installed Debian kernel and the test initramfs (tests/qemu). The script is
/// written to a per-guest host directory shared over 9p as tag <c>usbmesh</c> (<see cref="WorkDirectory"/>,
/// /mnt/usbmesh in the guest), so it has no command-line size limit and can leave result files there.
/// Disposing always kills QEMU and removes the directory.
/// </summary>
public sealed class QemuGuest : IAsyncDisposable
{
    public const string ReadyMarker = "USBMESH-QEMU-READY";
    public const string ExitMarker = "USBMESH-QEMU-EXIT=";

    private static readonly SemaphoreSlim BuildLock = new(1, 1);
    private static readonly TimeSpan MonitorConnectLimit = TimeSpan.FromSeconds(30);
    private static bool _built;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Stopwatch _clock;
    private readonly TimeSpan _timeout;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string>? _log;
    private readonly CancellationTokenSource _monitorCancel = new();
    private Task<QemuMonitor>? _monitor;
    private Task? _readyAndConnected;
    private TimeSpan? _bootTime;
    private int? _exitCode;

    private QemuGuest(Process process, string workDirectory, TimeSpan timeout, Action<string>? log)
    {
        _process = process;
        WorkDirectory = workDirectory;
        _timeout = timeout;
        _log = log;
        _clock = Stopwatch.StartNew();
    }

    /// <summary>Host directory shared with the guest as /mnt/usbmesh; holds run.sh.</summary>
    public string WorkDirectory { get; }

    /// <summary>Builds the initramfs (once per test run; cached across runs by the script) and reports how long.</summary>
    public static async Task EnsureInitramfsAsync(Action<string>? log = null)
    {
        await BuildLock.WaitAsync();
        try
        {
            if (_built)
            {
                return;
            }

            var clock = Stopwatch.StartNew();
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Path.Combine(QemuEnvironment.ScriptDirectory, "build-initramfs.sh"));
            using var build = Process.Start(psi) ?? throw new InvalidOperationException("cannot start bash");
            var stdout = build.StandardOutput.ReadToEndAsync();
            var stderr = build.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await build.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                build.Kill(entireProcessTree: true);
                throw new TimeoutException("build-initramfs.sh took more than 3 minutes");
            }

            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"build-initramfs.sh failed ({build.ExitCode}): {await stderr}{await stdout}");
            }

            log?.Invoke($"initramfs ready in {clock.Elapsed.TotalSeconds:F1} s: {(await stdout).Trim()}");
            _built = true;
        }
        finally
        {
            BuildLock.Release();
        }
    }

    /// <summary>Boots a guest that runs <see cref="QemuGuestOptions.Script"/>; call <see cref="WaitAsync"/> next.</summary>
    public static async Task<QemuGuest> StartAsync(QemuGuestOptions options, Action<string>? log = null)
    {
        await EnsureInitramfsAsync(log);
        var work = Directory.CreateTempSubdirectory("usbmesh-qemu-").FullName;
        await File.WriteAllTextAsync(Path.Combine(work, "run.sh"), options.Script.ReplaceLineEndings("\n"));

        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.Environment["USBMESH_QEMU_SMP"] = options.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var args = psi.ArgumentList;
        args.Add(Path.Combine(QemuEnvironment.ScriptDirectory, "run-guest.sh"));
        args.Add("--timeout");
        args.Add(((int)Math.Ceiling(options.Timeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        args.Add("--memory");
        var memory = options.HostRoot ? Math.Max(options.MemoryMb, 1024) : options.MemoryMb;
        args.Add(memory.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (options.HostRoot)
        {
            args.Add("--host-root");
        }

        var qmpSocket = Path.Combine(work, "qmp.sock");
        if (options.Qmp)
        {
            args.Add("--qmp");
            args.Add(qmpSocket);
        }

        args.Add("--share");
        args.Add(work + ":usbmesh");
        args.Add("--script");
        args.Add("/mnt/usbmesh/run.sh");
        foreach (var (hostPath, tag, readOnly) in options.Shares)
        {
            args.Add("--share");
            args.Add($"{hostPath}:{tag}{(readOnly ? ":ro" : "")}");
        }

        foreach (var rule in options.HostForwards)
        {
            args.Add("--hostfwd");
            args.Add(rule);
        }

        if (options.Xhci)
        {
            args.Add("--xhci");
        }

        foreach (var device in options.Devices)
        {
            args.Add("--device");
            args.Add(device);
        }

        if (options.ExtraQemuArguments.Count > 0)
        {
            args.Add("--");
            foreach (var extra in options.ExtraQemuArguments)
            {
                args.Add(extra);
            }
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var guest = new QemuGuest(process, work, options.Timeout, log);
        process.OutputDataReceived += (_, e) => guest.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => guest.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("cannot start run-guest.sh");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (options.Qmp)
        {
            // QEMU creates the socket before the guest boots; the connect retries until it exists.
            guest._monitor = QemuMonitor.ConnectAsync(qmpSocket, MonitorConnectLimit, guest._monitorCancel.Token);
            guest._readyAndConnected = Task.WhenAll(guest._ready.Task, guest._monitor);
        }

        return guest;
    }

    /// <summary>Boots a guest, runs the script to its end and returns the result; QEMU is gone afterwards.</summary>
    public static async Task<QemuGuestResult> RunAsync(QemuGuestOptions options, Action<string>? log = null)
    {
        await using var guest = await StartAsync(options, log);
        return await guest.WaitAsync();
    }

    /// <summary>Everything printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Completes when the guest has booted and starts the script (for tests that talk to it meanwhile), and, with
    /// <see cref="QemuGuestOptions.Qmp"/>, when <see cref="Monitor"/> is connected too.
    /// </summary>
    public Task Ready => _readyAndConnected ?? _ready.Task;

    /// <summary>The QMP connection to this guest's QEMU (hotplug with device_add/device_del); valid once <see cref="Ready"/> completed.</summary>
    /// <exception cref="InvalidOperationException">The guest was started without <see cref="QemuGuestOptions.Qmp"/>, or
    /// the monitor is not connected (yet).</exception>
    public QemuMonitor Monitor => _monitor switch
    {
        null => throw new InvalidOperationException("the guest was started without QemuGuestOptions.Qmp"),
        { IsCompletedSuccessfully: true } connected => connected.Result,
        { IsFaulted: true } failed => throw new InvalidOperationException("the QMP connection failed", failed.Exception),
        _ => throw new InvalidOperationException("the QMP monitor is not connected yet; await Ready first"),
    };

    /// <summary>Waits for QEMU to exit, killing it (and reporting a timeout) after the limit plus a grace period.</summary>
    public async Task<QemuGuestResult> WaitAsync()
    {
        var limit = _timeout + TimeSpan.FromSeconds(15) - _clock.Elapsed;
        var timedOut = false;
        using (var cts = new CancellationTokenSource(limit > TimeSpan.Zero ? limit : TimeSpan.Zero))
        {
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                Kill();
                await _process.WaitForExitAsync();
            }
        }

        // run-guest.sh runs QEMU under timeout(1): 124 after SIGTERM, 137 after SIGKILL.
        timedOut |= _process.ExitCode is 124 or 137;
        var elapsed = _clock.Elapsed;
        _ready.TrySetCanceled();
        lock (_output)
        {
            return new QemuGuestResult(_exitCode, timedOut, _output.ToString(), _bootTime, elapsed);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_monitor is not null)
        {
            // A connect that still retries (QEMU never came up) stops now instead of at its limit.
            await _monitorCancel.CancelAsync();
            try
            {
                await (await _monitor.WaitAsync(MonitorConnectLimit)).DisposeAsync();
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException
                or InvalidOperationException or System.Net.Sockets.SocketException or System.Text.Json.JsonException)
            {
                // Never connected; nothing to close.
            }
        }

        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Kill was sent; nothing more to do than not hang the test run.
        }

        _process.Dispose();
        _monitorCancel.Dispose();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // The guest may have left files owned by another user; the temp directory is cleaned eventually.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited or never started.
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        line = line.TrimEnd('\r');
        lock (_output)
        {
            _output.AppendLine(line);
            if (line.StartsWith(ReadyMarker, StringComparison.Ordinal) && _bootTime is null)
            {
                _bootTime = _clock.Elapsed;
            }
            else if (line.StartsWith(ExitMarker, StringComparison.Ordinal)
                && int.TryParse(line.AsSpan(ExitMarker.Length), out var code))
            {
                _exitCode = code;
            }
        }

        if (line.StartsWith(ReadyMarker, StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }

        try
        {
            _log?.Invoke(line);
        }
        catch (InvalidOperationException)
        {
            // xunit's output helper refuses writes once its test has finished; the line is in Output anyway.
        }
    }
}
