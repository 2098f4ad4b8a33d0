namespace UsbMesh.Configuration.Parsing;

internal enum TokenKind
{
    EndOfFile,
    Newline,
    Whitespace,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Comma,
    Colon,
    Equals,
    PlusEquals,
    QuotedString,
    UnquotedText,
    Number,
    True,
    False,
    Null,
    Substitution,
}

/// <summary>
/// One token. <see cref="Text"/> is the decoded string for quoted strings and the source text otherwise; a
/// substitution carries the tokens of its path expression.
/// </summary>
internal sealed class Token
{
    public Token(TokenKind kind, string text, ConfigOrigin origin)
    {
        Kind = kind;
        Text = text;
        Origin = origin;
    }

    public TokenKind Kind { get; }

    public string Text { get; }

    public ConfigOrigin Origin { get; }

    public bool OptionalSubstitution { get; init; }

    public IReadOnlyList<Token> PathTokens { get; init; } = [];

    /// <summary>True for the kinds that can start a value (and so take part in a concatenation).</summary>
    public bool StartsValue => Kind is TokenKind.QuotedString or TokenKind.UnquotedText or TokenKind.Number
        or TokenKind.True or TokenKind.False or TokenKind.Null or TokenKind.Substitution
        or TokenKind.OpenBrace or TokenKind.OpenBracket;

    /// <summary>How the token reads in an error message ("found …").</summary>
    public string Describe() => Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.Newline => "end of line",
        TokenKind.Whitespace => "whitespace",
        TokenKind.QuotedString => $"quoted string \"{Text}\"",
        TokenKind.UnquotedText => $"'{Text}'",
        TokenKind.Number => $"number {Text}",
        TokenKind.Substitution => "substitution ${…}",
        _ => $"'{Text}'",
    };
}
