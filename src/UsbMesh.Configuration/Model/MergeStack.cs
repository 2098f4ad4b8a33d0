namespace UsbMesh.Configuration.Model;

/// <summary>
/// The definitions of one field that cannot be merged before resolution, highest priority first. Keeping the lower
/// definitions is what lets <c>a = ${a} [2]</c> see the earlier <c>a</c>, and lets <c>a = ${?unset}</c> leave an
/// earlier value in place; a scalar or list under an object is kept so that it stops later fallbacks. Never holds
/// another stack, never two adjacent objects (those are merged), and nothing below a scalar or list.
/// </summary>
internal sealed class MergeStack : HoconValue
{
    public MergeStack(IReadOnlyList<HoconValue> levels)
        : base(levels[0].Origin) => Levels = levels;

    public IReadOnlyList<HoconValue> Levels { get; }

    public override string KindName => Levels[0].KindName;

    public static IReadOnlyList<HoconValue> LevelsOf(HoconValue value) =>
        value is MergeStack stack ? stack.Levels : [value];
}
