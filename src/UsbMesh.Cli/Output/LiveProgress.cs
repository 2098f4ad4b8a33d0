using Spectre.Console;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Output;

/// <summary>
/// Progress bars on a terminal, one per label, drawn by Spectre's live display from the first report to the command's
/// end. Lines and tables the command writes meanwhile appear above the bars.
/// </summary>
internal sealed class LiveProgress(IAnsiConsole console) : IProgressView
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ProgressContext> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, ProgressTask> _tasks = [];
    private Task? _display;

    public void Update(ShellFrame.Progress progress)
    {
        _display ??= console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                _started.TrySetResult(context);
                await _ended.Task.ConfigureAwait(false);
            });

        // The display starts its context at once, on its own thread; frames wait for it only the first time.
        var context = _started.Task.GetAwaiter().GetResult();
        if (!_tasks.TryGetValue(progress.Label, out var task))
        {
            _tasks[progress.Label] = task = context.AddTask(Markup.Escape(progress.Label));
        }

        task.IsIndeterminate = progress.Total <= 0;
        task.MaxValue = Math.Max(progress.Total, 1);
        task.Value = Math.Min(progress.Done, task.MaxValue);
    }

    public async Task CompleteAsync()
    {
        if (_display is null)
        {
            return;
        }

        foreach (var task in _tasks.Values.Where(t => t.Value >= t.MaxValue))
        {
            task.StopTask();
        }

        _ended.TrySetResult();
        await _display.ConfigureAwait(false);
    }
}
