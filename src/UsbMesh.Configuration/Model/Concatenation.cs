namespace UsbMesh.Configuration.Model;

/// <summary>
/// Values written side by side that include at least one substitution, so they can only be joined (into a string,
/// a list or a merged object) after resolution. Concatenations without substitutions are joined by the parser.
/// </summary>
internal sealed class Concatenation : HoconValue
{
    public Concatenation(IReadOnlyList<HoconValue> pieces, ConfigOrigin origin)
        : base(origin) => Pieces = pieces;

    public IReadOnlyList<HoconValue> Pieces { get; }

    public override string KindName => "a concatenation";
}
