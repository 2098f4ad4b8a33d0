namespace UsbMesh.Configuration;

/// <summary>
/// Where a value or a syntax error comes from: a file path (or a name such as "string"), line and column, 1-based.
/// A value read from an environment variable has the origin of the substitution that read it.
/// </summary>
public sealed record ConfigOrigin(string Description, int Line, int Column)
{
    public override string ToString() => $"{Description}:{Line}:{Column}";
}
