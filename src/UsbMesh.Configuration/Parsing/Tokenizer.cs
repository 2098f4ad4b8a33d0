using System.Globalization;
using System.Text;
using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Parsing;

/// <summary>
/// Splits HOCON (or JSON) text into tokens. Comments are dropped but the newline ending them is kept, because
/// newlines separate fields and end concatenations. Every step consumes at least one character, so malformed input
/// ends in an error or end of file, never a loop.
/// </summary>
internal sealed class Tokenizer
{
    // Characters that may not appear in unquoted text (the spec's "forbidden characters", whitespace aside).
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";
    private const string NumberChars = "0123456789eE+-.";

    private readonly string _text;
    private readonly string _description;
    private readonly Syntax _syntax;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private Tokenizer(string text, string description, Syntax syntax)
    {
        _text = text;
        _description = description;
        _syntax = syntax;
    }

    public static List<Token> Tokenize(string text, string description, Syntax syntax)
    {
        var tokenizer = new Tokenizer(text, description, syntax);
        tokenizer.Run();
        return tokenizer._tokens;
    }

    /// <summary>HOCON whitespace: Unicode separators (Zs, Zl, Zp), ASCII controls 9–13 and 28–31, and the BOM.</summary>
    public static bool IsWhitespace(char c)
    {
        if (c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r' or '\uFEFF' || c is >= '\u001C' and <= '\u001F')
        {
            return true;
        }

        return c > 127 && char.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }

    private ConfigOrigin Here => new(_description, _line, _pos - _lineStart + 1);

    private char Peek(int offset = 0) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private bool AtEnd => _pos >= _text.Length;

    private void Run()
    {
        while (!AtEnd)
        {
            NextToken(_tokens);
        }

        _tokens.Add(new Token(TokenKind.EndOfFile, "", Here));
    }

    private void NextToken(List<Token> into)
    {
        var origin = Here;
        var c = Peek();
        if (c == '\n')
        {
            _pos++;
            _line++;
            _lineStart = _pos;
            into.Add(new Token(TokenKind.Newline, "\n", origin));
        }
        else if (IsWhitespace(c))
        {
            var start = _pos;
            while (!AtEnd && Peek() != '\n' && IsWhitespace(Peek()))
            {
                _pos++;
            }

            into.Add(new Token(TokenKind.Whitespace, _text[start.._pos], origin));
        }
        else if (c == '#' || (c == '/' && Peek(1) == '/'))
        {
            if (_syntax == Syntax.Json)
            {
                throw ConfigErrors.At(origin, "comments are not allowed in JSON");
            }

            while (!AtEnd && Peek() != '\n')
            {
                _pos++;
            }
        }
        else if (c == '"')
        {
            into.Add(Peek(1) == '"' && Peek(2) == '"' ? TripleQuoted(origin) : Quoted(origin));
        }
        else if (c == '$' && Peek(1) == '{')
        {
            into.Add(_syntax == Syntax.Json
                ? throw ConfigErrors.At(origin, "substitutions are not allowed in JSON")
                : SubstitutionToken(origin));
        }
        else if (c is '-' or (>= '0' and <= '9'))
        {
            into.Add(NumberOrText(origin));
        }
        else if (Punctuation(c, origin) is { } punctuation)
        {
            into.Add(punctuation);
        }
        else if (Forbidden.Contains(c, StringComparison.Ordinal))
        {
            throw ConfigErrors.At(origin, $"reserved character '{c}' is not allowed outside quotes"
                + (c == '$' ? " (a substitution is written ${path})" : ""));
        }
        else
        {
            into.Add(Unquoted(origin));
        }
    }

    private Token? Punctuation(char c, ConfigOrigin origin)
    {
        var kind = c switch
        {
            '{' => TokenKind.OpenBrace,
            '}' => TokenKind.CloseBrace,
            '[' => TokenKind.OpenBracket,
            ']' => TokenKind.CloseBracket,
            ',' => TokenKind.Comma,
            ':' => TokenKind.Colon,
            '=' => TokenKind.Equals,
            '+' when Peek(1) == '=' => TokenKind.PlusEquals,
            _ => (TokenKind?)null,
        };
        if (kind is not { } k)
        {
            return null;
        }

        if (_syntax == Syntax.Json && k is TokenKind.Equals or TokenKind.PlusEquals)
        {
            throw ConfigErrors.At(origin, $"'{(k == TokenKind.Equals ? "=" : "+=")}' is not allowed in JSON, use ':'");
        }

        var length = k == TokenKind.PlusEquals ? 2 : 1;
        _pos += length;
        return new Token(k, _text.Substring(_pos - length, length), origin);
    }

    private Token Quoted(ConfigOrigin origin)
    {
        _pos++;
        var builder = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                throw ConfigErrors.At(Here, $"expected a closing '\"' for the string opened at {origin.Line}:{origin.Column}, found end of file");
            }

            var c = Peek();
            if (c == '"')
            {
                _pos++;
                return new Token(TokenKind.QuotedString, builder.ToString(), origin);
            }

            if (c == '\\')
            {
                builder.Append(Escape());
            }
            else if (c < ' ')
            {
                throw ConfigErrors.At(Here, c == '\n'
                    ? "expected a closing '\"' before the end of the line (use \"\"\"…\"\"\" for a multi-line string)"
                    : $"control character U+{(int)c:X4} is not allowed in a quoted string, use a backslash escape");
            }
            else
            {
                builder.Append(c);
                _pos++;
            }
        }
    }

    private string Escape()
    {
        var origin = Here;
        _pos++;
        var c = Peek();
        _pos++;
        switch (c)
        {
            case '"': return "\"";
            case '\\': return "\\";
            case '/': return "/";
            case 'b': return "\b";
            case 'f': return "\f";
            case 'n': return "\n";
            case 'r': return "\r";
            case 't': return "\t";
            case 'u':
                if (_pos + 4 <= _text.Length
                    && int.TryParse(_text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                {
                    _pos += 4;
                    return ((char)code).ToString();
                }

                throw ConfigErrors.At(origin, "expected four hexadecimal digits after \\u");
            default:
                throw ConfigErrors.At(origin, c == '\0' && AtEnd
                    ? "expected a closing '\"', found end of file"
                    : $"invalid escape '\\{c}': expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
        }
    }

    // """…""": no escapes; a run of three or more quotes ends the string and any quotes beyond three belong to it.
    private Token TripleQuoted(ConfigOrigin origin)
    {
        if (_syntax == Syntax.Json)
        {
            throw ConfigErrors.At(origin, "triple-quoted strings are not allowed in JSON");
        }

        _pos += 3;
        var start = _pos;
        while (true)
        {
            if (AtEnd)
            {
                throw ConfigErrors.At(origin, "expected a closing \"\"\" for this triple-quoted string, found end of file");
            }

            if (Peek() == '"' && Peek(1) == '"' && Peek(2) == '"')
            {
                var run = 3;
                while (Peek(run) == '"')
                {
                    run++;
                }

                var value = _text[start.._pos] + new string('"', run - 3);
                _pos += run;
                return new Token(TokenKind.QuotedString, value, origin);
            }

            if (Peek() == '\n')
            {
                _line++;
                _lineStart = _pos + 1;
            }

            _pos++;
        }
    }

    private Token SubstitutionToken(ConfigOrigin origin)
    {
        var start = _pos;
        _pos += 2;
        var optional = Peek() == '?';
        if (optional)
        {
            _pos++;
        }

        var inner = new List<Token>();
        while (AtEnd || Peek() != '}')
        {
            var c = Peek();
            if (AtEnd || c == '\n' || (c != '"' && Forbidden.Contains(c, StringComparison.Ordinal)) || (c == '/' && Peek(1) == '/'))
            {
                var found = AtEnd ? "end of file" : c == '\n' ? "end of line" : c == '/' ? "a comment" : $"'{c}'";
                throw ConfigErrors.At(Here, $"expected '}}' to close the substitution opened at {origin.Line}:{origin.Column}, found {found}");
            }

            NextToken(inner);
        }

        _pos++;
        return new Token(TokenKind.Substitution, _text[start.._pos], origin)
        {
            OptionalSubstitution = optional,
            PathTokens = inner,
        };
    }

    // A number is the longest run of number characters that parses as one; otherwise the run is unquoted text
    // (so 1.2.3, 2024-01-01 and 10.0.0.1 stay strings). Letters after a number start a new token: 10s is 10 then s.
    private Token NumberOrText(ConfigOrigin origin)
    {
        var start = _pos;
        while (!AtEnd && NumberChars.Contains(Peek(), StringComparison.Ordinal))
        {
            _pos++;
        }

        var text = _text[start.._pos];
        if (IsNumber(text))
        {
            return new Token(TokenKind.Number, text, origin);
        }

        if (text.Contains('+', StringComparison.Ordinal))
        {
            throw ConfigErrors.At(origin, $"reserved character '+' is not allowed outside quotes (in '{text}')");
        }

        if (_syntax == Syntax.Json)
        {
            throw ConfigErrors.At(origin, $"'{text}' is not a valid JSON number");
        }

        return new Token(TokenKind.UnquotedText, text, origin);
    }

    /// <summary>JSON's number shape, relaxed as the reference implementation is: leading zeros and a bare trailing '.'.</summary>
    public static bool IsNumber(ReadOnlySpan<char> text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        var digits = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i == digits)
        {
            return false;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var exponent = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == exponent)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    // Unquoted text runs to a forbidden character, whitespace or "//". true, false and null are recognised only at
    // its start, whatever follows them: truefoo is true then foo, while footrue is one string.
    private Token Unquoted(ConfigOrigin origin)
    {
        var start = _pos;
        while (!AtEnd)
        {
            var c = Peek();
            if (IsWhitespace(c) || Forbidden.Contains(c, StringComparison.Ordinal) || (c == '/' && Peek(1) == '/'))
            {
                break;
            }

            _pos++;
            var length = _pos - start;
            if (length is 4 or 5 && Keyword(_text.AsSpan(start, length), origin) is { } keyword)
            {
                return keyword;
            }
        }

        var text = _text[start.._pos];
        if (_syntax == Syntax.Json)
        {
            throw ConfigErrors.At(origin, $"unquoted text '{text}' is not allowed in JSON");
        }

        return new Token(TokenKind.UnquotedText, text, origin);
    }

    private static Token? Keyword(ReadOnlySpan<char> text, ConfigOrigin origin) => text switch
    {
        "true" => new Token(TokenKind.True, "true", origin),
        "false" => new Token(TokenKind.False, "false", origin),
        "null" => new Token(TokenKind.Null, "null", origin),
        _ => null,
    };
}
