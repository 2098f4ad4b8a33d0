namespace UsbMesh.Cli.Interactive;

/// <summary>The prompt's earlier lines, oldest first, kept across sessions in a file (one line each, the newest
/// <see cref="Limit"/>).</summary>
internal sealed class History
{
    public const int Limit = 1000;
    private readonly List<string> _lines;
    private readonly string? _file;

    private History(string? file, List<string> lines)
    {
        _file = file;
        _lines = lines;
    }

    public IReadOnlyList<string> Lines => _lines;

    /// <summary>~/.usbmesh_history, or a history kept in memory only when there is no home directory.</summary>
    public static History Load()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length == 0)
        {
            return new History(null, []);
        }

        var file = Path.Combine(home, ".usbmesh_history");
        try
        {
            var lines = File.Exists(file) ? File.ReadAllLines(file).Where(l => l.Length > 0).TakeLast(Limit).ToList() : [];
            return new History(file, lines);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new History(null, []);
        }
    }

    /// <summary>Remembers <paramref name="line"/> unless it is blank or repeats the line before it.</summary>
    public void Add(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || (_lines.Count > 0 && _lines[^1] == line))
        {
            return;
        }

        _lines.Add(line);
        if (_lines.Count > Limit)
        {
            _lines.RemoveAt(0);
        }

        if (_file is null)
        {
            return;
        }

        try
        {
            File.AppendAllLines(_file, [line]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A history that cannot be written is lost at exit, nothing more.
        }
    }
}
