using System.Text.Json.Serialization;

namespace UsbMesh.Bench.Mesh;

/// <summary>The small registered message of the remote benchmark: 64 characters of text, about 80 bytes as JSON.</summary>
public sealed record Note(string Text)
{
    public static readonly Note Instance = new(new string('n', 64));
}

/// <summary>The receiver of a stream has seen <paramref name="Received"/> messages so far (counted since it started).</summary>
public sealed record StreamAck(long Received);

[JsonSerializable(typeof(Note))]
[JsonSerializable(typeof(StreamAck))]
internal sealed partial class RemoteBenchJson : JsonSerializerContext;

/// <summary>Local only: streams <paramref name="Count"/> copies of <paramref name="Message"/> and completes <paramref name="Done"/>.</summary>
internal sealed record StartStream(object Message, int Count, TaskCompletionSource Done);

/// <summary>Local only: <paramref name="Count"/> round trips with <paramref name="Message"/>; completes with each in µs.</summary>
internal sealed record StartPings(object Message, int Count, TaskCompletionSource<List<double>> Done);
