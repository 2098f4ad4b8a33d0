using UsbMesh.Mesh.Identity;

namespace UsbMesh.Mesh.Announcements;

/// <summary>A device this node may see and import: listed by <see cref="DeviceDirectory.VisibleTo"/>.</summary>
/// <param name="Origin">The node that exports it.</param>
/// <param name="OriginName">The origin's name in this node's trust list: the name people here use for it.</param>
/// <param name="AnnouncedName">The name the origin gives itself: display only, not proof of anything.</param>
/// <param name="Device">The device.</param>
public sealed record VisibleDevice(NodeId Origin, string OriginName, string AnnouncedName, AnnouncedDevice Device);
