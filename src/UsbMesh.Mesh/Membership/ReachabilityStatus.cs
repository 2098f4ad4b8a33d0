using System.Text.Json.Serialization;

namespace UsbMesh.Mesh.Membership;

/// <summary>What one observer's failure detector says about one subject.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReachabilityStatus>))]
public enum ReachabilityStatus
{
    /// <summary>Heartbeats arrive.</summary>
    Reachable,

    /// <summary>Heartbeats stopped: phi crossed the threshold.</summary>
    Unreachable,
}
