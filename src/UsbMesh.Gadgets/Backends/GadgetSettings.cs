using System.Net;

namespace UsbMesh.Gadgets.Backends;

/// <summary>The configuration of one emulated gadget.</summary>
/// <param name="Name">The gadget's name (unique on the node; also the seed of its serial number).</param>
public abstract record GadgetSettings(string Name)
{
    /// <summary>Peer names, or <c>*</c> for every trusted peer: who may see and import the gadget.</summary>
    public IReadOnlyList<string> ShareWith { get; init; } = ["*"];

    /// <summary>Equal when of the same kind, with the same name and the same share-with list, item by item.</summary>
    public virtual bool Equals(GadgetSettings? other) =>
        other is not null && EqualityContract == other.EqualityContract && Name == other.Name && ShareWith.SequenceEqual(other.ShareWith);

    public override int GetHashCode() => HashCode.Combine(EqualityContract, Name);
}

/// <summary>A mass-storage gadget over an image file.</summary>
/// <param name="Name">The gadget's name.</param>
/// <param name="ImagePath">The image file; created sparse with <paramref name="SizeBytes"/> when missing.</param>
/// <param name="SizeBytes">Size of a newly created image (a positive multiple of 512); an existing image keeps its size.</param>
/// <param name="ReadOnly">Refuse writes (the image must exist).</param>
/// <param name="SerialNumber">USB serial number (at least 12 hex digits); derived from the name when null.</param>
/// <param name="Product">iProduct text; the default when null.</param>
public sealed record MassStorageSettings(
    string Name, string ImagePath, long SizeBytes, bool ReadOnly = false, string? SerialNumber = null, string? Product = null)
    : GadgetSettings(Name);

/// <summary>A HID boot keyboard gadget.</summary>
/// <param name="Name">The gadget's name.</param>
public sealed record KeyboardSettings(string Name) : GadgetSettings(Name);

/// <summary>A CDC-ACM serial gadget.</summary>
/// <param name="Name">The gadget's name.</param>
/// <param name="Mode">What happens to the bytes the host writes.</param>
/// <param name="TcpEndpoint">
/// <see cref="SerialMode.Tcp"/> only: where the bridge listens for its one client; <see cref="DefaultTcpEndpoint"/>
/// when null; port 0 picks a free port.
/// </param>
public sealed record SerialSettings(string Name, SerialMode Mode = SerialMode.Echo, IPEndPoint? TcpEndpoint = null) : GadgetSettings(Name)
{
    /// <summary>Where a tcp-mode serial gadget listens unless told otherwise: loopback, port 7300.</summary>
    public static IPEndPoint DefaultTcpEndpoint => new(IPAddress.Loopback, 7300);
}

/// <summary>
/// Builds gadget settings from the plain values of a gadget entry (<c>type = mass-storage | keyboard | serial</c>,
/// <c>name</c>, <c>image</c>, <c>size</c>, <c>read-only</c>, <c>serial-mode</c>, <c>tcp-endpoint</c>), and gadgets
/// from settings.
/// Parsing the entry out of HOCON is the node's job.
/// </summary>
public static class GadgetFactory
{
    /// <summary>Settings from the values of one configuration entry.</summary>
    /// <param name="type"><c>mass-storage</c>, <c>keyboard</c> or <c>serial</c> (case-insensitive).</param>
    /// <param name="name">The gadget's name.</param>
    /// <param name="image">Image path (mass storage).</param>
    /// <param name="sizeBytes">Image size in bytes (mass storage, when the image is created).</param>
    /// <param name="readOnly">Read-only image (mass storage).</param>
    /// <param name="serialMode"><c>echo</c> (default), <c>channel</c> or <c>tcp</c> (serial).</param>
    /// <param name="tcpEndpoint">
    /// Address and port such as <c>127.0.0.1:7300</c> or <c>[::1]:7300</c> (serial, tcp mode only; default
    /// <see cref="SerialSettings.DefaultTcpEndpoint"/>; port 0 picks a free port).
    /// </param>
    /// <exception cref="ArgumentException">A value is missing or unknown; the message names it and <see cref="ArgumentException.ParamName"/> is its parameter.</exception>
    public static GadgetSettings CreateSettings(
        string type, string name, string? image = null, long? sizeBytes = null, bool readOnly = false, string? serialMode = null,
        string? tcpEndpoint = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A gadget needs a name.", nameof(name));
        }

        switch (type.Trim().ToLowerInvariant())
        {
            case "mass-storage":
                if (string.IsNullOrWhiteSpace(image))
                {
                    throw new ArgumentException($"Mass-storage gadget '{name}' needs an image path.", nameof(image));
                }

                var size = sizeBytes ?? 0;
                if (!readOnly && !File.Exists(image) && (size <= 0 || size % 512 != 0))
                {
                    throw new ArgumentException(
                        $"Mass-storage gadget '{name}': image '{image}' does not exist, so size must be a positive multiple of 512 bytes (got {size}).",
                        nameof(sizeBytes));
                }

                return new MassStorageSettings(name, image, size, readOnly);
            case "keyboard":
                return new KeyboardSettings(name);
            case "serial":
                var mode = (serialMode ?? "echo").Trim().ToLowerInvariant() switch
                {
                    "echo" => SerialMode.Echo,
                    "channel" => SerialMode.Channel,
                    "tcp" => SerialMode.Tcp,
                    _ => throw new ArgumentException(
                        $"Serial gadget '{name}': serial-mode '{serialMode}' is not 'echo', 'channel' or 'tcp'.", nameof(serialMode)),
                };
                if (tcpEndpoint is null)
                {
                    return new SerialSettings(name, mode);
                }

                if (mode != SerialMode.Tcp)
                {
                    throw new ArgumentException(
                        $"Serial gadget '{name}': tcp-endpoint is only for serial-mode = tcp (the mode is '{serialMode}').", nameof(tcpEndpoint));
                }

                return new SerialSettings(name, mode, ParseEndpoint(tcpEndpoint)
                    ?? throw new ArgumentException(
                        $"Serial gadget '{name}': tcp-endpoint [{tcpEndpoint}] is not an address and port such as 127.0.0.1:7300 or [::1]:7300.",
                        nameof(tcpEndpoint)));
            default:
                throw new ArgumentException(
                    $"Gadget '{name}': type '{type}' is not 'mass-storage', 'keyboard' or 'serial'.", nameof(type));
        }
    }

    /// <summary>
    /// Builds the gadget <paramref name="settings"/> describe (a mass-storage gadget opens its image now, a tcp-mode
    /// serial gadget starts listening now).
    /// </summary>
    /// <param name="settings">The settings.</param>
    /// <param name="log">Receives the gadget's own lines (the serial tcp bridge's listening, connects and refusals).</param>
    /// <exception cref="System.Net.Sockets.SocketException">A tcp-mode serial gadget's endpoint cannot be bound.</exception>
    public static GadgetBackend Create(GadgetSettings settings, Action<string>? log = null) => settings switch
    {
        MassStorageSettings storage => MassStorageGadget.Open(storage),
        KeyboardSettings keyboard => new KeyboardGadget(GadgetIdentity.Keyboard.WithSerial(GadgetIdentity.SerialFor(keyboard.Name))),
        SerialSettings serial => new SerialGadget(
            serial.Mode, GadgetIdentity.Serial.WithSerial(GadgetIdentity.SerialFor(serial.Name)), serial.TcpEndpoint, log),
        null => throw new ArgumentNullException(nameof(settings)),
        _ => throw new ArgumentException($"Unknown gadget settings {settings.GetType().Name}.", nameof(settings)),
    };

    private static IPEndPoint? ParseEndpoint(string text) => EndpointText.TryParse(text, out var endpoint) ? endpoint : null;
}
