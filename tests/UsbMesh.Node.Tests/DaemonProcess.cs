using System.Diagnostics;
using System.Text;
using UsbMesh.TestKit;

namespace UsbMesh.Node.Tests;

/// <summary>
/// The built usbmeshd run as a process of its own (<c>dotnet usbmeshd.dll ...</c>), with its output collected line
/// by line. Disposing kills it if it still runs, so a failed spec never leaves a daemon behind.
/// </summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Seen)> _waiters = [];

    private DaemonProcess(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment, IReadOnlyList<string>? launcher = null)
    {
        // A launcher (e.g. "ip netns exec ns1") runs the daemon inside another context; it gets the host as argument.
        var start = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : BuiltProgram.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var part in launcher?.Skip(1).Append(BuiltProgram.DotnetHost()) ?? [])
        {
            start.ArgumentList.Add(part);
        }

        start.ArgumentList.Add(DaemonPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The node's own log level must not come from whoever runs the specs.
        start.Environment.Remove("USBMESH_LOG_LEVEL");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr, _stderrClosed);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>usbmeshd.dll as the build recorded it.</summary>
    public static string DaemonPath { get; } =
        BuiltProgram.Find(typeof(DaemonProcess).Assembly, "UsbMeshDaemonPath", "usbmeshd.dll", "src/UsbMesh.Daemon");

    public int Id => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static DaemonProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null,
        IReadOnlyList<string>? launcher = null) =>
        new(arguments, environment, launcher);

    /// <summary>Runs the daemon to its end and returns its exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        await using var daemon = Start(arguments);
        var exitCode = await daemon.WaitForExitAsync(timeout);
        return (exitCode, daemon.Stdout, daemon.Stderr);
    }

    /// <summary>Where standard output ends now (always at a line's end), for <see cref="WaitForLineAsync"/> to look after.</summary>
    public int OutputMark
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.Length;
            }
        }
    }

    /// <summary>
    /// Waits for a line of standard output that matches, printed after <paramref name="after"/> (an
    /// <see cref="OutputMark"/>; by default any line); fails with the output so far when none comes.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, int after = 0)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stdout)
        {
            var earlier = _stdout.ToString(after, _stdout.Length - after).Split('\n').FirstOrDefault(predicate);
            if (earlier is not null)
            {
                return earlier;
            }

            _waiters.Add((predicate, seen));
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (first != seen.Task)
        {
            Assert.Fail($"usbmeshd printed no such line within {timeout} (exited: {_process.HasExited}).\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        return await seen.Task;
    }

    /// <summary>Sends a signal as an init system does (the shell's kill builtin, so no extra package is needed).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", $"kill -{signal} {_process.Id}" } })!;
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the daemon to exit and for its output to be read to the end; fails when it does not in time.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await Task.WhenAll(_process.WaitForExitAsync(), _stdoutClosed.Task, _stderrClosed.Task).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"usbmeshd did not exit within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private void OnLine(string? line, StringBuilder output, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
            if (output != _stdout)
            {
                return;
            }

            foreach (var waiter in _waiters.Where(w => w.Predicate(line)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Seen.TrySetResult(line);
            }
        }
    }
}
