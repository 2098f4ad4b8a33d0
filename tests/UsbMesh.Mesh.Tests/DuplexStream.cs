using System.IO.Pipelines;
using UsbMesh.Mesh.Transport;

namespace UsbMesh.Mesh.Tests;

/// <summary>Two connected in-memory streams, as a socket pair would be.</summary>
internal static class DuplexStream
{
    public static (Stream A, Stream B) CreatePair()
    {
        var ab = new Pipe();
        var ba = new Pipe();
        return (new DuplexStreams(ba.Reader.AsStream(), ab.Writer.AsStream()), new DuplexStreams(ab.Reader.AsStream(), ba.Writer.AsStream()));
    }
}
