namespace UsbMesh.Usb;

/// <summary>
/// <c>bDescriptorType</c> values: standard ones from USB 2.0 table 9-5 and USB 3.2 table 9-6 (Linux USB_DT_*),
/// plus the class-specific ones this model knows (HID 1.11 §7.1, CDC 1.2 table 12).
/// </summary>
public static class DescriptorTypes
{
    /// <summary>USB_DT_DEVICE.</summary>
    public const byte Device = 0x01;

    /// <summary>USB_DT_CONFIG.</summary>
    public const byte Configuration = 0x02;

    /// <summary>USB_DT_STRING.</summary>
    public const byte String = 0x03;

    /// <summary>USB_DT_INTERFACE.</summary>
    public const byte Interface = 0x04;

    /// <summary>USB_DT_ENDPOINT.</summary>
    public const byte Endpoint = 0x05;

    /// <summary>USB_DT_DEVICE_QUALIFIER.</summary>
    public const byte DeviceQualifier = 0x06;

    /// <summary>USB_DT_OTHER_SPEED_CONFIG.</summary>
    public const byte OtherSpeedConfiguration = 0x07;

    /// <summary>USB_DT_INTERFACE_POWER.</summary>
    public const byte InterfacePower = 0x08;

    /// <summary>USB_DT_OTG.</summary>
    public const byte Otg = 0x09;

    /// <summary>USB_DT_DEBUG.</summary>
    public const byte Debug = 0x0A;

    /// <summary>USB_DT_INTERFACE_ASSOCIATION.</summary>
    public const byte InterfaceAssociation = 0x0B;

    /// <summary>USB_DT_BOS.</summary>
    public const byte Bos = 0x0F;

    /// <summary>USB_DT_DEVICE_CAPABILITY.</summary>
    public const byte DeviceCapability = 0x10;

    /// <summary>HID descriptor (HID_DT_HID), inside a HID interface.</summary>
    public const byte Hid = 0x21;

    /// <summary>HID report descriptor (HID_DT_REPORT), fetched with GET_DESCRIPTOR to the interface.</summary>
    public const byte HidReport = 0x22;

    /// <summary>HID physical descriptor (HID_DT_PHYSICAL).</summary>
    public const byte HidPhysical = 0x23;

    /// <summary>USB_DT_CS_INTERFACE: class-specific interface descriptor (CDC functional, audio, video).</summary>
    public const byte ClassSpecificInterface = 0x24;

    /// <summary>USB_DT_CS_ENDPOINT: class-specific endpoint descriptor.</summary>
    public const byte ClassSpecificEndpoint = 0x25;

    /// <summary>USB_DT_SS_ENDPOINT_COMP: SuperSpeed endpoint companion.</summary>
    public const byte SuperSpeedEndpointCompanion = 0x30;

    /// <summary>A display name for a descriptor type.</summary>
    /// <param name="type">The <c>bDescriptorType</c> value.</param>
    public static string GetName(byte type) => type switch
    {
        Device => "device",
        Configuration => "configuration",
        String => "string",
        Interface => "interface",
        Endpoint => "endpoint",
        DeviceQualifier => "device qualifier",
        OtherSpeedConfiguration => "other speed configuration",
        InterfacePower => "interface power",
        Otg => "OTG",
        Debug => "debug",
        InterfaceAssociation => "interface association",
        Bos => "BOS",
        DeviceCapability => "device capability",
        Hid => "HID",
        HidReport => "HID report",
        HidPhysical => "HID physical",
        ClassSpecificInterface => "class-specific interface",
        ClassSpecificEndpoint => "class-specific endpoint",
        SuperSpeedEndpointCompanion => "SuperSpeed endpoint companion",
        _ => $"0x{type:X2}",
    };
}
