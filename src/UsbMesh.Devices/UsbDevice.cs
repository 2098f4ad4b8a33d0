using UsbMesh.Actors;
using UsbMesh.Usb;

namespace UsbMesh.Devices;

/// <summary>
/// The protocol of <see cref="UsbDeviceActor"/>. A client session claims the device, submits and unlinks URBs by
/// USB/IP sequence number, and receives <see cref="SubmitCompleted"/> and <see cref="UnlinkCompleted"/>; it releases
/// the lease when done (or simply stops: the device watches its holder).
/// </summary>
public static class UsbDevice
{
    /// <summary>Asks for the lease on behalf of <paramref name="Holder"/>. Answer to the sender: <see cref="Claimed"/> or <see cref="Busy"/>.</summary>
    /// <param name="Holder">The actor that will submit, and receive the completions (normally the sender itself).</param>
    public sealed record Claim(IActorRef Holder);

    /// <summary>The lease is <paramref name="Holder"/>'s (also the answer when it already held it).</summary>
    /// <param name="Holder">The holder.</param>
    public sealed record Claimed(IActorRef Holder);

    /// <summary>Another actor holds the lease.</summary>
    /// <param name="CurrentHolder">The current holder.</param>
    public sealed record Busy(IActorRef CurrentHolder);

    /// <summary>
    /// Gives the lease back. URBs still in flight are unlinked and their completions dropped (the holder gets no
    /// further reply for them). Answer: <see cref="Released"/>, or <see cref="NotHolder"/>.
    /// </summary>
    /// <param name="Holder">The holder giving it back.</param>
    public sealed record Release(IActorRef Holder);

    /// <summary>The lease was given back.</summary>
    /// <param name="Holder">The former holder.</param>
    public sealed record Released(IActorRef Holder);

    /// <summary>The sender does not hold the lease, so <paramref name="Request"/> was refused.</summary>
    /// <param name="Request">The refused message.</param>
    public sealed record NotHolder(object Request);

    /// <summary>
    /// CMD_SUBMIT, from the holder. Exactly one answer per seqnum: <see cref="SubmitCompleted"/>, or, when an unlink won
    /// the race, only <see cref="UnlinkCompleted"/> with -ECONNRESET. Answers on one endpoint keep submission order.
    /// </summary>
    /// <param name="Seqnum">The USB/IP sequence number.</param>
    /// <param name="Request">The transfer.</param>
    public sealed record Submit(long Seqnum, UrbRequest Request);

    /// <summary>CMD_UNLINK, from the holder. Answer: <see cref="UnlinkCompleted"/>.</summary>
    /// <param name="Seqnum">The sequence number of this unlink request.</param>
    /// <param name="UnlinkSeqnum">The sequence number of the URB to unlink.</param>
    public sealed record Unlink(long Seqnum, long UnlinkSeqnum);

    /// <summary>RET_SUBMIT: the URB <paramref name="Seqnum"/> completed.</summary>
    /// <param name="Seqnum">The URB's sequence number.</param>
    /// <param name="Result">Its outcome.</param>
    public sealed record SubmitCompleted(long Seqnum, UrbResult Result);

    /// <summary>
    /// RET_UNLINK. <paramref name="Status"/> is -104 (-ECONNRESET) when the URB was cancelled (no
    /// <see cref="SubmitCompleted"/> is ever sent for it), 0 when it had already completed (its
    /// <see cref="SubmitCompleted"/> was sent before this) or was unknown.
    /// </summary>
    /// <param name="Seqnum">The sequence number of the unlink request (<see cref="Unlink.Seqnum"/>).</param>
    /// <param name="Status">0 or -104.</param>
    public sealed record UnlinkCompleted(long Seqnum, int Status);

    /// <summary>Told to the lease holder just before a device stops for good, with the reason (a device of another
    /// node whose link stayed down past the grace period, say); the holder then sees the device terminate.</summary>
    /// <param name="Reason">Why the device is gone.</param>
    public sealed record Gone(string Reason);

    /// <summary>Asks for <see cref="Info"/>; anyone may ask.</summary>
    public sealed record GetInfo
    {
        /// <summary>The shared instance.</summary>
        public static readonly GetInfo Instance = new();
    }

    /// <summary>What the device is and who holds it.</summary>
    /// <param name="Device">The device descriptor.</param>
    /// <param name="Configurations">All configurations.</param>
    /// <param name="Speed">Bus speed.</param>
    /// <param name="ActiveConfigurationValue">bConfigurationValue in use (0: unconfigured).</param>
    /// <param name="Holder">The lease holder, if any.</param>
    /// <param name="HaltedEndpoints">Endpoints that stalled and were not cleared yet.</param>
    public sealed record Info(
        DeviceDescriptor Device,
        IReadOnlyList<ConfigurationDescriptor> Configurations,
        UsbSpeed Speed,
        byte ActiveConfigurationValue,
        IActorRef? Holder,
        IReadOnlySet<byte> HaltedEndpoints)
    {
        /// <summary>The active configuration, if the device is configured.</summary>
        public ConfigurationDescriptor? ActiveConfiguration =>
            Configurations.FirstOrDefault(c => c.ConfigurationValue == ActiveConfigurationValue && ActiveConfigurationValue != 0);
    }
}
