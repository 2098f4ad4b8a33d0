namespace UsbMesh.Qemu.Tests;

/// <summary>
/// The daemon a guest runs: the build output of <c>src/UsbMesh.Daemon</c> for this test assembly's configuration,
/// shared read-only as its own 9p tag. Its own share, not its path in the host's root, because the checkout may lie
/// under /tmp, which the guest's tmpfs hides inside <c>usbmesh-hostroot</c>. The runtime still comes from the host's
/// root (/usr/share/dotnet).
/// </summary>
public static class GuestDaemon
{
    /// <summary>The 9p tag of the daemon's build output.</summary>
    public const string Tag = "node-bin";

    /// <summary>The daemon's path inside <c>usbmesh-hostroot</c>'s chroot.</summary>
    public const string PathInChroot = "/run/usbmesh/" + Tag + "/usbmeshd";

    /// <summary>The share to add to <see cref="QemuGuestOptions.Shares"/>.</summary>
    public static (string HostPath, string Tag, bool ReadOnly) Share() => (BuildOutput("src/UsbMesh.Daemon", "usbmeshd"), Tag, true);

    /// <summary>
    /// The build output of a project of this checkout for this test assembly's configuration and target framework,
    /// checked to hold <paramref name="executable"/>.
    /// </summary>
    /// <param name="project">The project's directory, relative to the checkout.</param>
    /// <param name="executable">The program the guest runs from it.</param>
    public static string BuildOutput(string project, string executable)
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var root = baseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "UsbMesh.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var directory = Path.Combine(root.FullName, project, "bin", baseDirectory.Parent!.Name, baseDirectory.Name);
        Assert.True(File.Exists(Path.Combine(directory, executable)), $"{executable} is not built in {directory}");
        return directory;
    }
}
