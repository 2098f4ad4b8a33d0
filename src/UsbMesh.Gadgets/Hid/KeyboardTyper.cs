namespace UsbMesh.Gadgets.Hid;

/// <summary>
/// Turns text into boot keyboard reports for a US layout: each character is a press report (with Left Shift when
/// the character needs it) followed by a release report, so repeated characters are distinct key presses.
/// Supported: letters, digits, the printable ASCII punctuation, space, '\n' and '\r' (Enter), '\t' (Tab),
/// '\b' (Backspace) and ESC (U+001B). Anything else is refused before any report is produced.
/// </summary>
public static class KeyboardTyper
{
    private const byte KeyEnter = 0x28;
    private const byte KeyEscape = 0x29;
    private const byte KeyBackspace = 0x2A;
    private const byte KeyTab = 0x2B;
    private const byte KeySpace = 0x2C;

    /// <summary>The reports typing <paramref name="text"/>: press, release, per character.</summary>
    /// <param name="text">The text to type.</param>
    /// <exception cref="ArgumentException">A character has no key on the US layout.</exception>
    public static IReadOnlyList<BootKeyboardReport> Type(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reports = new List<BootKeyboardReport>(text.Length * 2);
        for (var i = 0; i < text.Length; i++)
        {
            if (!TryMap(text[i], out var press))
            {
                throw new ArgumentException(
                    $"Character U+{(int)text[i]:X4} at index {i} has no key on the US keyboard layout.", nameof(text));
            }

            reports.Add(press);
            reports.Add(BootKeyboardReport.Released);
        }

        return reports;
    }

    /// <summary>The press report for <paramref name="c"/> on a US layout; false when no key types it.</summary>
    /// <param name="c">The character.</param>
    /// <param name="press">Modifiers and key usage code.</param>
    public static bool TryMap(char c, out BootKeyboardReport press)
    {
        const KeyModifiers shift = KeyModifiers.LeftShift;
        (KeyModifiers Modifiers, byte Key) key = c switch
        {
            >= 'a' and <= 'z' => (KeyModifiers.None, (byte)(0x04 + (c - 'a'))),
            >= 'A' and <= 'Z' => (shift, (byte)(0x04 + (c - 'A'))),
            >= '1' and <= '9' => (KeyModifiers.None, (byte)(0x1E + (c - '1'))),
            '0' => (KeyModifiers.None, 0x27),
            '!' => (shift, 0x1E),
            '@' => (shift, 0x1F),
            '#' => (shift, 0x20),
            '$' => (shift, 0x21),
            '%' => (shift, 0x22),
            '^' => (shift, 0x23),
            '&' => (shift, 0x24),
            '*' => (shift, 0x25),
            '(' => (shift, 0x26),
            ')' => (shift, 0x27),
            '\n' or '\r' => (KeyModifiers.None, KeyEnter),
            '\u001B' => (KeyModifiers.None, KeyEscape),
            '\b' => (KeyModifiers.None, KeyBackspace),
            '\t' => (KeyModifiers.None, KeyTab),
            ' ' => (KeyModifiers.None, KeySpace),
            '-' => (KeyModifiers.None, 0x2D),
            '_' => (shift, 0x2D),
            '=' => (KeyModifiers.None, 0x2E),
            '+' => (shift, 0x2E),
            '[' => (KeyModifiers.None, 0x2F),
            '{' => (shift, 0x2F),
            ']' => (KeyModifiers.None, 0x30),
            '}' => (shift, 0x30),
            '\\' => (KeyModifiers.None, 0x31),
            '|' => (shift, 0x31),
            ';' => (KeyModifiers.None, 0x33),
            ':' => (shift, 0x33),
            '\'' => (KeyModifiers.None, 0x34),
            '"' => (shift, 0x34),
            '`' => (KeyModifiers.None, 0x35),
            '~' => (shift, 0x35),
            ',' => (KeyModifiers.None, 0x36),
            '<' => (shift, 0x36),
            '.' => (KeyModifiers.None, 0x37),
            '>' => (shift, 0x37),
            '/' => (KeyModifiers.None, 0x38),
            '?' => (shift, 0x38),
            _ => (KeyModifiers.None, 0),
        };

        press = new BootKeyboardReport(key.Modifiers, key.Key);
        return key.Key != 0;
    }
}
