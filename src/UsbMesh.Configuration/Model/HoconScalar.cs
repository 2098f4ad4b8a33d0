namespace UsbMesh.Configuration.Model;

internal enum ScalarKind
{
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>
/// A string, number, boolean or null. Numbers keep the text they were written with, because value concatenation
/// and path expressions must reproduce it exactly (<c>1.0</c> stays <c>1.0</c>).
/// </summary>
internal sealed class HoconScalar : HoconValue
{
    public HoconScalar(ScalarKind kind, string text, ConfigOrigin origin, bool isWhitespace = false)
        : base(origin)
    {
        Kind = kind;
        Text = text;
        IsWhitespace = isWhitespace;
    }

    public ScalarKind Kind { get; }

    /// <summary>The string value, the number as written, <c>true</c>/<c>false</c>, or <c>null</c>.</summary>
    public string Text { get; }

    /// <summary>
    /// Unquoted whitespace between two parts of a concatenation: kept between strings, dropped between arrays or
    /// objects (a quoted <c>" "</c> is an ordinary string and is never dropped).
    /// </summary>
    public bool IsWhitespace { get; }

    public override string KindName => Kind switch
    {
        ScalarKind.String => "a string",
        ScalarKind.Number => "a number",
        ScalarKind.Boolean => "a boolean",
        _ => "null",
    };

    public static HoconScalar String(string text, ConfigOrigin origin) => new(ScalarKind.String, text, origin);

    public static HoconScalar Null(ConfigOrigin origin) => new(ScalarKind.Null, "null", origin);
}
