namespace UsbMesh.Mesh.Announcements;

/// <summary>A device this node exports and the peers it shares it with: the input of <see cref="AnnouncementFactory"/>.</summary>
/// <param name="Device">The device; its <see cref="AnnouncedDevice.Audience"/> is ignored and worked out from <paramref name="ShareWith"/>.</param>
/// <param name="ShareWith">Names of trusted peers, or <c>*</c> for every trusted peer (the export rule's share-with).</param>
public sealed record ExportedDevice(AnnouncedDevice Device, IReadOnlyList<string> ShareWith);
