using UsbMesh.Shell;

namespace UsbMesh.Cli.Output;

/// <summary>Shows <see cref="ShellFrame.Progress"/> frames, one task per label.</summary>
internal interface IProgressView
{
    void Update(ShellFrame.Progress progress);

    /// <summary>The command ended: the view is finished (a live bar stops redrawing).</summary>
    Task CompleteAsync();
}
