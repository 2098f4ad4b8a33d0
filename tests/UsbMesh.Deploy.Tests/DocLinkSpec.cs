using System.Text.RegularExpressions;

namespace UsbMesh.Deploy.Tests;

public partial class DocLinkSpec
{
    public static TheoryData<string> Pages() => new(
        "docs/QUICKSTART.md", "docs/WINDOWS.md", "docs/SECURITY.md", "docs/TROUBLESHOOTING.md", "docs/HOCON.md",
        "deploy/README.md");

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_names_a_file_of_the_repository(string page)
    {
        var directory = Path.GetDirectoryName(Repository.PathOf(page))!;

        var broken = Link().Matches(Repository.Read(page))
            .Select(match => match.Groups["target"].Value)
            .Where(target => !target.StartsWith("http", StringComparison.Ordinal) && !target.StartsWith('#'))
            .Select(target => target.Split('#')[0])
            .Where(target => !File.Exists(Path.Combine(directory, target)) && !Directory.Exists(Path.Combine(directory, target)))
            .ToList();

        Assert.Empty(broken);
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();
}
