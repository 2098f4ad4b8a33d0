using System.Globalization;

namespace UsbMesh.Node.Shell;

/// <summary>The command host's settings (<c>usbmesh.shell</c>).</summary>
/// <param name="Enabled">Whether the node runs its command host at all.</param>
/// <param name="Socket">The admin socket's path, absolute.</param>
/// <param name="SocketMode">The admin socket's file mode.</param>
/// <param name="Mesh">Whether peers may run commands here over the mesh.</param>
/// <param name="CommandTimeout">The longest one command may run.</param>
/// <param name="Admission">What the admin socket admits, and how long a new connection may take to send its hello.</param>
public sealed record ShellSettings(bool Enabled, string Socket, UnixFileMode SocketMode, bool Mesh, TimeSpan CommandTimeout, AdmissionSettings Admission)
{
    public const string ShellPath = "usbmesh.shell";

    internal static ShellSettings Read(SettingsReader reader, string stateDirectory)
    {
        var socketPath = $"{ShellPath}.socket";
        var socket = reader.String(socketPath);
        if (socket.Length == 0)
        {
            throw reader.Invalid(socketPath, "the admin socket's path cannot be empty");
        }

        return new ShellSettings(
            reader.Boolean($"{ShellPath}.enabled"),
            Path.GetFullPath(socket, stateDirectory),
            ReadMode(reader, $"{ShellPath}.socket-mode"),
            reader.Boolean($"{ShellPath}.mesh"),
            reader.PositiveDuration($"{ShellPath}.command-timeout", TimeSpan.FromHours(1)),
            AdmissionSettings.Read(reader, ShellPath));
    }

    /// <summary>An octal file mode such as "0660": read and write bits only, since a socket is opened, not run.</summary>
    private static UnixFileMode ReadMode(SettingsReader reader, string path)
    {
        var text = reader.String(path);
        if (text.Length is < 3 or > 4 || !text.All(c => c is >= '0' and <= '7')
            || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw reader.Invalid(path, $"[{text}] is not an octal file mode such as \"0660\"");
        }

        var mode = Convert.ToInt32(text, 8);
        if ((mode & ~0x1FF) != 0)
        {
            throw reader.Invalid(path, $"[{text}] sets bits beyond the owner, group and others' permissions");
        }

        if ((mode & 0x180) != 0x180)
        {
            throw reader.Invalid(path, $"[{text}] leaves the node's own user without read and write access to its socket");
        }

        return (UnixFileMode)mode;
    }
}
