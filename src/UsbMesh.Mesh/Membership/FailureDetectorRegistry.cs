using System.Collections.Concurrent;
using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Membership;

/// <summary>
/// One <see cref="PhiAccrualFailureDetector"/> per watched node, created by its first heartbeat. A node never heard
/// from counts as available, as in Akka: suspicion needs a rhythm to break. Thread-safe.
/// </summary>
public sealed class FailureDetectorRegistry
{
    private readonly ConcurrentDictionary<NodeId, PhiAccrualFailureDetector> _detectors = new();
    private readonly FailureDetectorSettings _settings;
    private readonly TimeProvider _clock;

    /// <summary>An empty registry.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public FailureDetectorRegistry(FailureDetectorSettings settings, TimeProvider clock)
    {
        settings.Validate();
        _settings = settings;
        _clock = clock;
    }

    /// <summary>The nodes heard from and not removed since.</summary>
    public IReadOnlyCollection<NodeId> Monitored => [.. _detectors.Keys];

    /// <summary>Records a heartbeat from <paramref name="id"/>, starting to watch it if this is the first.</summary>
    public void Heartbeat(NodeId id) => _detectors.GetOrAdd(id, _ => new PhiAccrualFailureDetector(_settings, _clock)).Heartbeat();

    /// <summary>Whether <paramref name="id"/> counts as alive; true if it is not watched.</summary>
    public bool IsAvailable(NodeId id) => !_detectors.TryGetValue(id, out var detector) || detector.IsAvailable;

    /// <summary>Whether a heartbeat from <paramref name="id"/> has arrived since it was last removed.</summary>
    public bool IsMonitoring(NodeId id) => _detectors.TryGetValue(id, out var detector) && detector.IsMonitoring;

    /// <summary>How suspicious <paramref name="id"/>'s silence is; 0 if it is not watched.</summary>
    public double Phi(NodeId id) => _detectors.TryGetValue(id, out var detector) ? detector.Phi : 0.0;

    /// <summary>Stops watching <paramref name="id"/> (it left or was removed); a later heartbeat starts afresh.</summary>
    public void Remove(NodeId id) => _detectors.TryRemove(id, out _);

    /// <summary>Stops watching every node.</summary>
    public void Clear() => _detectors.Clear();
}
