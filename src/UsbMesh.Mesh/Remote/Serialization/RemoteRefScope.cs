namespace UsbMesh.Mesh.Remote.Serialization;

/// <summary>
/// The remoting instance (de)serializing on this thread, so that actor refs inside messages resolve against the
/// right node. Set only around a single message's serialization.
/// </summary>
internal static class RemoteRefScope
{
    [ThreadStatic]
    private static Remoting? _current;

    public static Remoting? Current => _current;

    public static Scope Enter(Remoting remoting)
    {
        var previous = _current;
        _current = remoting;
        return new Scope(previous);
    }

    internal readonly struct Scope(Remoting? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
