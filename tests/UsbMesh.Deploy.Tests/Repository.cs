namespace UsbMesh.Deploy.Tests;

/// <summary>
/// The repository's files as they are checked out: the specs read deploy/, docs/ and hocon/ in place, since they
/// check that those files agree with each other and with the node.
/// </summary>
internal static class Repository
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "UsbMesh.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no UsbMesh.sln above {AppContext.BaseDirectory}");
    }
}
