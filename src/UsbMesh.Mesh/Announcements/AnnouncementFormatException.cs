namespace UsbMesh.Mesh.Announcements;

/// <summary>
/// Bytes that are not an announcement. Thrown only inside the reader and caught by
/// <see cref="SignedAnnouncement.TryDecode"/>, which turns it into an error string: it never reaches callers.
/// </summary>
internal sealed class AnnouncementFormatException(string message) : Exception(message);
