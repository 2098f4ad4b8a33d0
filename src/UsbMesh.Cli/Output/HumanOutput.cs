using Spectre.Console;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Output;

/// <summary>Output for people: lines as they come, tables as tables, progress as a bar (or occasional lines when plain).</summary>
internal sealed class HumanOutput(Terminal terminal) : ICommandOutput
{
    private readonly IProgressView _progress = terminal.IsPlain ? new PlainProgress(terminal.Out) : new LiveProgress(terminal.Out);

    public void Write(ShellFrame frame)
    {
        switch (frame)
        {
            case ShellFrame.Line line:
                terminal.Out.WriteLine(line.Text);
                break;
            case ShellFrame.Table table:
                Tables.Write(terminal.Out, table, terminal.IsPlain);
                break;
            case ShellFrame.Progress progress:
                _progress.Update(progress);
                break;
        }
    }

    public Task CompleteAsync() => _progress.CompleteAsync();
}
