using UsbMesh.Actors;
using UsbMesh.Mesh.Announcements;

namespace UsbMesh.Node.Shell;

/// <summary>The protocol of <see cref="AttachmentsActor"/>: devices of other nodes an operator attached here.</summary>
internal static class Attachments
{
    /// <summary>Where an attached device appears on this node.</summary>
    public enum Target
    {
        /// <summary>In the local kernel, through vhci_hcd.</summary>
        Vhci,

        /// <summary>Held by this node and offered on its usbipd endpoint, for a USB/IP client to use.</summary>
        Usbipd,
    }

    /// <summary>Attaches <paramref name="Device"/> (named <paramref name="Name"/>). Answer: <see cref="Done"/>; failures as <see cref="Status.Failure"/> of a <see cref="ShellCommandException"/>.</summary>
    public sealed record Attach(string Name, VisibleDevice Device, Target To);

    /// <summary>Detaches the device named <paramref name="Name"/>. Answer: <see cref="Done"/> or a failure.</summary>
    public sealed record Detach(string Name, VisibleDevice? Device);

    /// <summary>What happened, for the operator.</summary>
    public sealed record Done(string Message);

    /// <summary>Asks for <see cref="Current"/>.</summary>
    public sealed record List
    {
        public static readonly List Instance = new();
    }

    public sealed record Current(IReadOnlyList<Attachment> Items);

    /// <summary>One attached device.</summary>
    /// <param name="Name">The device, as <c>node/bus-id</c>.</param>
    /// <param name="To">Where it appears.</param>
    /// <param name="Where">The vhci port, or the bus id on the usbipd endpoint.</param>
    /// <param name="SessionId">Its session.</param>
    /// <param name="Since">When it was attached.</param>
    /// <param name="Import">The imported device's actor.</param>
    public sealed record Attachment(string Name, Target To, string Where, Guid SessionId, DateTimeOffset Since, IActorRef Import);
}
