namespace UsbMesh.Configuration.Model;

/// <summary>
/// A node of the configuration tree. Parsing produces objects, arrays and scalars plus three unresolved kinds
/// (<see cref="Substitution"/>, <see cref="Concatenation"/>, <see cref="MergeStack"/>) that the resolver replaces.
/// </summary>
internal abstract class HoconValue
{
    protected HoconValue(ConfigOrigin origin) => Origin = origin;

    public ConfigOrigin Origin { get; }

    /// <summary>Substitutions and concatenations: values only known after resolution.</summary>
    public bool IsUnresolvedLevel => this is Substitution or Concatenation;

    /// <summary>Scalars and arrays: values that hide whatever they override instead of merging with it.</summary>
    public bool HidesFallback => this is HoconScalar or HoconArray;

    /// <summary>The kind of value in words, for error messages.</summary>
    public abstract string KindName { get; }
}
