using UsbMesh.Gadgets.Hid;

namespace UsbMesh.Gadgets.Tests.Hid;

public class BootKeyboardTests
{
    [Fact]
    public void Report_descriptor_is_the_63_byte_boot_keyboard_descriptor_of_hid_1_11_appendix_b1()
    {
        var expected = Convert.FromHexString(
            "05010906A101" +       // Generic Desktop, Keyboard, Collection (Application)
            "050719E029E7" +       // Key Codes, usages 224..231
            "15002501750195088102" +   // modifiers: 8 x 1 bit
            "950175088101" +       // reserved byte
            "95057501050819012905" + "9102" +   // LEDs: 5 x 1 bit output
            "950175039101" +       // LED padding: 3 bits
            "9506750815002565050719002965" + "8100" +   // 6-byte key array
            "C0");                 // End Collection

        Assert.Equal(63, BootKeyboardDescriptors.ReportDescriptor.Length);
        Assert.Equal(expected, BootKeyboardDescriptors.ReportDescriptor.ToArray());
    }

    [Fact]
    public void Typing_hello_world_gives_press_and_release_reports_per_character()
    {
        var reports = KeyboardTyper.Type("Hello, World!\n");

        var bytes = string.Concat(reports.Select(r => Convert.ToHexString(r.ToArray())));
        const string Release = "0000000000000000";
        var expected = string.Concat(
            "02000B0000000000", Release,   // H: Left Shift + h (0x0B)
            "0000080000000000", Release,   // e
            "00000F0000000000", Release,   // l
            "00000F0000000000", Release,   // l again: released in between
            "0000120000000000", Release,   // o
            "0000360000000000", Release,   // ,
            "00002C0000000000", Release,   // space
            "02001A0000000000", Release,   // W: Left Shift + w (0x1A)
            "0000120000000000", Release,   // o
            "0000150000000000", Release,   // r
            "00000F0000000000", Release,   // l
            "0000070000000000", Release,   // d
            "02001E0000000000", Release,   // !: Left Shift + 1
            "0000280000000000", Release);  // Enter
        Assert.Equal(28, reports.Count);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData('a', KeyModifiers.None, 0x04)]
    [InlineData('Z', KeyModifiers.LeftShift, 0x1D)]
    [InlineData('0', KeyModifiers.None, 0x27)]
    [InlineData(')', KeyModifiers.LeftShift, 0x27)]
    [InlineData('\t', KeyModifiers.None, 0x2B)]
    [InlineData('\b', KeyModifiers.None, 0x2A)]
    [InlineData('\u001B', KeyModifiers.None, 0x29)]
    [InlineData('~', KeyModifiers.LeftShift, 0x35)]
    [InlineData('"', KeyModifiers.LeftShift, 0x34)]
    [InlineData('?', KeyModifiers.LeftShift, 0x38)]
    [InlineData('|', KeyModifiers.LeftShift, 0x31)]
    public void Characters_map_to_us_layout_keys(char c, KeyModifiers modifiers, byte key)
    {
        Assert.True(KeyboardTyper.TryMap(c, out var report));
        Assert.Equal(new BootKeyboardReport(modifiers, key), report);
    }

    [Fact]
    public void Every_printable_ascii_character_has_a_key()
    {
        for (var c = ' '; c <= '~'; c++)
        {
            Assert.True(KeyboardTyper.TryMap(c, out _), $"'{c}'");
        }
    }

    [Fact]
    public void Unknown_character_is_refused_with_its_position()
    {
        var error = Assert.Throws<ArgumentException>(() => KeyboardTyper.Type("caf\u00e9"));

        Assert.Contains("U+00E9", error.Message, StringComparison.Ordinal);
        Assert.Contains("index 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x00, false, false, false, false, false)]
    [InlineData(0x01, true, false, false, false, false)]
    [InlineData(0x02, false, true, false, false, false)]
    [InlineData(0x04, false, false, true, false, false)]
    [InlineData(0x08, false, false, false, true, false)]
    [InlineData(0x10, false, false, false, false, true)]
    [InlineData(0xE3, true, true, false, false, false)]   // padding bits ignored
    public void Led_output_report_parses_into_its_state(byte value, bool num, bool caps, bool scroll, bool compose, bool kana)
    {
        var state = KeyboardLedState.Parse([value]);

        Assert.Equal(new KeyboardLedState(num, caps, scroll, compose, kana), state);
        Assert.Equal((byte)(value & 0x1F), state.ToByte());
    }

    [Fact]
    public void Empty_led_report_is_refused()
    {
        Assert.Throws<ArgumentException>(() => KeyboardLedState.Parse([]));
    }
}
