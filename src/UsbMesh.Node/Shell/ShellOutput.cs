using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>What one running command writes: its output frames, all carrying its id.</summary>
public sealed class ShellOutput
{
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
    /// Waits for <paramref name="work"/> under a progress of unknown length (a spinner), full once the work is done,
    /// so that a person sees that the node is busy rather than a silent prompt.
    /// </summary>
    public async Task<T> WaitingAsync<T>(string label, Task<T> work)
    {
        await ProgressAsync(label, 0, 0).ConfigureAwait(false);
        var result = await work.ConfigureAwait(false);
        await ProgressAsync(label, 1, 1).ConfigureAwait(false);
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
