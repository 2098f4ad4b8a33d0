using System.Globalization;
using System.Runtime.Versioning;
using UsbMesh.Shell;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// What a running daemon holds, seen from outside: resident memory, open file descriptors and threads from /proc,
/// and, through its admin socket, how many actors live under /user and how many device sessions it has. Taken
/// before and after a fault, it shows whether the fault left something behind (a leaked socket, a stuck actor).
/// </summary>
public sealed record HealthSample(long ResidentBytes, int OpenFiles, int Threads, IReadOnlyList<string> ActorTree, int Sessions)
{
    /// <summary>How many actors live under /user (the lines of <c>actor hierarchy</c>).</summary>
    public int Actors => ActorTree.Count;

    /// <summary>The actors of this sample's tree that <paramref name="earlier"/> did not have, for failure messages.</summary>
    public string NewActorsSince(HealthSample earlier) => string.Join(", ", ActorTree.Except(earlier.ActorTree).Select(a => a.Trim()));

    public override string ToString() =>
        $"RSS {ResidentBytes / (1024.0 * 1024):F1} MiB, {OpenFiles} fds, {Threads} threads, {Actors} actors, {Sessions} sessions";
}

[UnsupportedOSPlatform("windows")]
public static class DaemonHealth
{
    /// <summary>Samples the daemon's process and asks its command host (admin.sock in its state directory).</summary>
    public static async Task<HealthSample> SampleAsync(DaemonProcess daemon, string stateDirectory)
    {
        var (resident, threads) = ReadStatus(daemon.Id);
        var openFiles = Directory.GetFiles($"/proc/{daemon.Id}/fd").Length;
        await using var shell = await ShellClient.ConnectAsync(Path.Combine(stateDirectory, "admin.sock"), "reliability");
        var actors = await LinesAsync(shell, "actor", "hierarchy", new Dictionary<string, string> { ["depth"] = "20" });
        var sessions = (await TableAsync(shell, "sessions", "list")).Count;
        return new HealthSample(resident, openFiles, threads, actors, sessions);
    }

    /// <summary>Runs a command and returns its output lines; fails when the command fails.</summary>
    public static async Task<IReadOnlyList<string>> LinesAsync(ShellClient shell, string palette, string command, IReadOnlyDictionary<string, string>? arguments = null)
    {
        var lines = new List<string>();
        await foreach (var frame in RunAsync(shell, palette, command, arguments))
        {
            if (frame is ShellFrame.Line line)
            {
                lines.AddRange(line.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return lines;
    }

    /// <summary>Runs a command and returns the rows of the table it prints; fails when the command fails.</summary>
    public static async Task<IReadOnlyList<IReadOnlyList<string>>> TableAsync(ShellClient shell, string palette, string command, IReadOnlyDictionary<string, string>? arguments = null)
    {
        var rows = new List<IReadOnlyList<string>>();
        await foreach (var frame in RunAsync(shell, palette, command, arguments))
        {
            if (frame is ShellFrame.Table table)
            {
                rows.AddRange(table.Rows);
            }
        }

        return rows;
    }

    private static async IAsyncEnumerable<ShellFrame> RunAsync(ShellClient shell, string palette, string command, IReadOnlyDictionary<string, string>? arguments)
    {
        var errors = new List<string>();
        await foreach (var frame in shell.RunAsync(new CommandRequest(palette, command, arguments ?? new Dictionary<string, string>())))
        {
            switch (frame)
            {
                case ShellFrame.Error error:
                    errors.Add(error.Message);
                    break;
                case ShellFrame.End { ExitCode: not 0 } end:
                    Assert.Fail($"`{palette} {command}` ended with exit code {end.ExitCode}: {string.Join("; ", errors)}");
                    break;
                default:
                    yield return frame;
                    break;
            }
        }
    }

    private static (long ResidentBytes, int Threads) ReadStatus(int pid)
    {
        // "VmRSS:\t   61234 kB" and "Threads:\t23" in /proc/<pid>/status: a tab after the name, then spaces.
        long resident = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            // Both separators as one array: Split(' ', '\t', options) would take the tab as a count of parts.
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (parts)
            {
                case ["VmRSS:", var kib, "kB"]:
                    resident = long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
                    break;
                case ["Threads:", var count]:
                    threads = int.Parse(count, CultureInfo.InvariantCulture);
                    break;
            }
        }

        return (resident, threads);
    }
}
