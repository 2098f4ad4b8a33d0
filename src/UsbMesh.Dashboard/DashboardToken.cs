using System.Security.Cryptography;
using System.Text;

namespace UsbMesh.Dashboard;

/// <summary>
/// The dashboard's admin token: whoever presents it may attach and detach devices through the dashboard, as whoever
/// may open the node's admin socket may through the shell. A new random token at every start, written to
/// <see cref="FileName"/> in the state directory, readable by the node's user only.
/// </summary>
public sealed class DashboardToken
{
    public const string FileName = "dashboard.token";

    private readonly byte[] _bytes;

    private DashboardToken(string value, string file)
    {
        Value = value;
        File = file;
        _bytes = Encoding.ASCII.GetBytes(value);
    }

    public string Value { get; }

    /// <summary>The file the token was written to.</summary>
    public string File { get; }

    /// <summary>Makes a token and writes it to <paramref name="stateDirectory"/>, replacing the last one.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static DashboardToken Create(string stateDirectory)
    {
        var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        var file = Path.Combine(stateDirectory, FileName);
        var temporary = $"{file}.{Environment.ProcessId}.tmp";
        // Written under another name with its final mode, then moved over the old one: the token is never readable
        // by others, not even for a moment, and a reader never sees half of it.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(value + "\n"));
        }

        System.IO.File.Move(temporary, file, overwrite: true);
        return new DashboardToken(value, file);
    }

    /// <summary>Whether <paramref name="presented"/> is the token, compared in constant time.</summary>
    public bool Accepts(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), _bytes);
}
