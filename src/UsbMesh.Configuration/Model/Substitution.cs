namespace UsbMesh.Configuration.Model;

/// <summary>
/// <c>${path}</c> or <c>${?path}</c>. A substitution from an included file also carries the path of the include
/// point (<see cref="Prefix"/>): it is looked up there first and then from the root, as the spec requires.
/// </summary>
internal sealed class Substitution : HoconValue
{
    public Substitution(IReadOnlyList<string> path, bool optional, IReadOnlyList<string> prefix, ConfigOrigin origin)
        : base(origin)
    {
        Path = path;
        Optional = optional;
        Prefix = prefix;
    }

    public IReadOnlyList<string> Path { get; }

    public bool Optional { get; }

    public IReadOnlyList<string> Prefix { get; }

    public override string KindName => "a substitution";

    public override string ToString() => (Optional ? "${?" : "${") + HoconPath.Render(Path) + "}";
}
