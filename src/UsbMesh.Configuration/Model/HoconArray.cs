namespace UsbMesh.Configuration.Model;

/// <summary>A list. Like objects, lists are mutable only while the parser builds them (for <c>+=</c>).</summary>
internal sealed class HoconArray : HoconValue
{
    private readonly List<HoconValue> _elements;

    public HoconArray(IEnumerable<HoconValue> elements, ConfigOrigin origin)
        : base(origin) => _elements = [.. elements];

    public IReadOnlyList<HoconValue> Elements => _elements;

    public override string KindName => "a list";

    public void Add(HoconValue element) => _elements.Add(element);
}
