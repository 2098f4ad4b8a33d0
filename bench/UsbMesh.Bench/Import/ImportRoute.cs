namespace UsbMesh.Bench.Import;

/// <summary>How the desk's import session reaches the hub in <see cref="ImportNodes"/>.</summary>
internal enum ImportRoute
{
    /// <summary>Over the desk's own TLS connection to the hub.</summary>
    Direct,

    /// <summary>The desk cannot reach the hub; its lanes run end to end encrypted through a third node, the relay.</summary>
    ThroughRelay,
}
