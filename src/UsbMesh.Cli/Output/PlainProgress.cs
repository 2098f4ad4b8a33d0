using System.Diagnostics;
using Spectre.Console;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Output;

/// <summary>Progress as occasional lines, for logs and pipes: a task's first report, then at most one line every
/// <see cref="Interval"/>, and its last one when it is complete.</summary>
internal sealed class PlainProgress(IAnsiConsole console) : IProgressView
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private readonly Dictionary<string, (long Printed, bool Complete)> _tasks = [];

    public void Update(ShellFrame.Progress progress)
    {
        var now = Stopwatch.GetTimestamp();
        var complete = progress.Total > 0 && progress.Done >= progress.Total;
        if (_tasks.TryGetValue(progress.Label, out var last)
            && (last.Complete || (!complete && Stopwatch.GetElapsedTime(last.Printed, now) < Interval)))
        {
            return;
        }

        _tasks[progress.Label] = (now, complete);
        console.WriteLine(Describe(progress));
    }

    public Task CompleteAsync() => Task.CompletedTask;

    public static string Describe(ShellFrame.Progress progress) => progress switch
    {
        { Total: > 0 } when progress.Done >= progress.Total => $"{progress.Label}: done",
        { Total: > 0 } => FormattableString.Invariant($"{progress.Label}: {progress.Done}/{progress.Total} ({100.0 * progress.Done / progress.Total:F0}%)"),
        { Done: 0 } => $"{progress.Label}...",
        _ => FormattableString.Invariant($"{progress.Label}: {progress.Done}"),
    };
}
