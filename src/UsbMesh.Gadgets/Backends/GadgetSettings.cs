namespace UsbMesh.Gadgets.Backends;

/// <summary>The configuration of one emulated gadget.</summary>
/// <param name="Name">The gadget's name (unique on the node; also the seed of its serial number).</param>
public abstract record GadgetSettings(string Name);

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
public sealed record SerialSettings(string Name, SerialMode Mode = SerialMode.Echo) : GadgetSettings(Name);

/// <summary>
/// Builds gadget settings from the plain values of a gadget entry (<c>type = mass-storage | keyboard | serial</c>,
/// <c>name</c>, <c>image</c>, <c>size</c>, <c>read-only</c>, <c>serial-mode</c>), and gadgets from settings.
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
    /// <param name="serialMode"><c>echo</c> (default) or <c>channel</c> (serial).</param>
    /// <exception cref="ArgumentException">A value is missing or unknown; the message names it.</exception>
    public static GadgetSettings CreateSettings(
        string type, string name, string? image = null, long? sizeBytes = null, bool readOnly = false, string? serialMode = null)
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
                    _ => throw new ArgumentException(
                        $"Serial gadget '{name}': serial-mode '{serialMode}' is not 'echo' or 'channel'.", nameof(serialMode)),
                };
                return new SerialSettings(name, mode);
            default:
                throw new ArgumentException(
                    $"Gadget '{name}': type '{type}' is not 'mass-storage', 'keyboard' or 'serial'.", nameof(type));
        }
    }

    /// <summary>Builds the gadget <paramref name="settings"/> describe (a mass-storage gadget opens its image now).</summary>
    /// <param name="settings">The settings.</param>
    public static GadgetBackend Create(GadgetSettings settings) => settings switch
    {
        MassStorageSettings storage => MassStorageGadget.Open(storage),
        KeyboardSettings keyboard => new KeyboardGadget(GadgetIdentity.Keyboard.WithSerial(GadgetIdentity.SerialFor(keyboard.Name))),
        SerialSettings serial => new SerialGadget(serial.Mode, GadgetIdentity.Serial.WithSerial(GadgetIdentity.SerialFor(serial.Name))),
        null => throw new ArgumentNullException(nameof(settings)),
        _ => throw new ArgumentException($"Unknown gadget settings {settings.GetType().Name}.", nameof(settings)),
    };
}
