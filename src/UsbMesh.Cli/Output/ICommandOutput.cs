using UsbMesh.Shell;

namespace UsbMesh.Cli.Output;

/// <summary>Where a command's output frames go: for people (<see cref="HumanOutput"/>) or for scripts (<see cref="JsonOutput"/>).
/// Errors are not written here: they go to standard error whatever the format.</summary>
internal interface ICommandOutput
{
    /// <summary>One <see cref="ShellFrame.Line"/>, <see cref="ShellFrame.Table"/> or <see cref="ShellFrame.Progress"/>.</summary>
    void Write(ShellFrame frame);

    /// <summary>The command ended: finish what is shown.</summary>
    Task CompleteAsync();
}
