using System.Diagnostics;
using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>What one running command writes: its output frames, all carrying its id.</summary>
public sealed class ShellOutput
{
    /// <summary>How often a wait reports: often enough for a bar to move smoothly, rarely enough to cost nothing.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly Func<ShellFrame, Task> _send;
    private string? _firstError;

    internal ShellOutput(int id, Func<ShellFrame, Task> send)
    {
        Id = id;
        _send = send;
    }

    public int Id { get; }

    /// <summary>The exit code so far: that of the first error written, else success.</summary>
    public int ExitCode => _firstError is null ? ShellErrors.ExitOk : ShellErrors.ExitCodeOf(_firstError);

    public Task LineAsync(string text) => _send(new ShellFrame.Line(Id, text));

    public Task TableAsync(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows) =>
        _send(new ShellFrame.Table(Id, title, columns, [.. rows]));

    public Task ProgressAsync(string label, long done, long total) => _send(new ShellFrame.Progress(Id, label, done, total));

    /// <summary>
    /// Waits for <paramref name="work"/> while telling the client how long it has waited of the most it may take
    /// (<paramref name="limit"/>), so that a person sees a bar move rather than a silent prompt; the bar is full
    /// when the work ends.
    /// </summary>
    public async Task<T> WaitingAsync<T>(string label, TimeSpan limit, Task<T> work)
    {
        var total = (long)limit.TotalMilliseconds;
        var started = Stopwatch.GetTimestamp();
        await ProgressAsync(label, 0, total).ConfigureAwait(false);
        while (await Task.WhenAny(work, Task.Delay(ProgressInterval)).ConfigureAwait(false) != work)
        {
            await ProgressAsync(label, Math.Min(total - 1, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds), total).ConfigureAwait(false);
        }

        var result = await work.ConfigureAwait(false);
        await ProgressAsync(label, total, total).ConfigureAwait(false);
        return result;
    }

    public Task ErrorAsync(string code, string message)
    {
        _firstError ??= code;
        return _send(new ShellFrame.Error(Id, code, message));
    }

    /// <summary>Passes on a frame of a command run elsewhere (another node), under this command's id.</summary>
    internal Task RelayAsync(ShellFrame frame) => frame switch
    {
        ShellFrame.Line f => LineAsync(f.Text),
        ShellFrame.Table f => TableAsync(f.Title, f.Columns, f.Rows),
        ShellFrame.Progress f => ProgressAsync(f.Label, f.Done, f.Total),
        ShellFrame.Error f => ErrorAsync(f.Code, f.Message),
        _ => Task.CompletedTask,
    };
}
