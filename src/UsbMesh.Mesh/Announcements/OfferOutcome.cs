namespace UsbMesh.Mesh.Announcements;

/// <summary>What <see cref="DeviceDirectory.Offer"/> did with an announcement.</summary>
public enum OfferResult
{
    /// <summary>Stored: it is the newest from its origin.</summary>
    Accepted,

    /// <summary>Already held: same sequence as the stored one.</summary>
    Duplicate,

    /// <summary>Older than the stored one: a replay or a slow path; ignored.</summary>
    Stale,

    /// <summary>Its expiry time has passed.</summary>
    Expired,

    /// <summary>Not signed by its origin.</summary>
    Invalid,

    /// <summary>Issued further in the future than clocks are allowed to disagree.</summary>
    TooFarInFuture,

    /// <summary>Of an origin not held yet, while the directory holds as many origins as it may.</summary>
    Full,
}

/// <summary>What <see cref="DeviceDirectory.Offer"/> did, and for anything but acceptance, why (for the log).</summary>
/// <param name="Result">The outcome.</param>
/// <param name="Reason">Why it was not accepted; null when it was.</param>
public sealed record OfferOutcome(OfferResult Result, string? Reason)
{
    /// <summary>The outcome of a stored announcement.</summary>
    public static OfferOutcome Accepted { get; } = new(OfferResult.Accepted, null);

    /// <summary>Whether the directory now holds the offered announcement.</summary>
    public bool IsAccepted => Result == OfferResult.Accepted;
}
