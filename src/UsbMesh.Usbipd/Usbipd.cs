using System.Net;

namespace UsbMesh.Usbipd;

/// <summary>The protocol of <see cref="UsbipdListener"/>.</summary>
public static class Usbipd
{
    /// <summary>Asks where the listener is bound. Answer: <see cref="Bound"/>.</summary>
    public sealed record GetBinding
    {
        /// <summary>The shared instance.</summary>
        public static readonly GetBinding Instance = new();
    }

    /// <summary>The listener's local endpoint (the real port when the settings asked for port 0) and open connections.</summary>
    /// <param name="Endpoint">The bound endpoint; null once unbound.</param>
    /// <param name="Connections">Connections being served.</param>
    public sealed record Bound(IPEndPoint? Endpoint, int Connections);

    /// <summary>Stops accepting connections (coordinated shutdown, <c>service-unbind</c>). Answer: <see cref="Unbound"/>.</summary>
    public sealed record Unbind
    {
        /// <summary>The shared instance.</summary>
        public static readonly Unbind Instance = new();
    }

    /// <summary>The listener no longer accepts connections.</summary>
    public sealed record Unbound
    {
        /// <summary>The shared instance.</summary>
        public static readonly Unbound Instance = new();
    }

    /// <summary>Closes every connection (coordinated shutdown, <c>service-stop</c>). Answer: <see cref="ConnectionsClosed"/> once all have stopped.</summary>
    public sealed record CloseConnections
    {
        /// <summary>The shared instance.</summary>
        public static readonly CloseConnections Instance = new();
    }

    /// <summary>Every connection has stopped (and released its lease).</summary>
    public sealed record ConnectionsClosed
    {
        /// <summary>The shared instance.</summary>
        public static readonly ConnectionsClosed Instance = new();
    }
}
