using System.Text;
using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Parsing;

/// <summary>
/// Turns the tokens of a key or of a substitution into path elements. Dots outside quotes separate elements (also the
/// dots of a number as written: <c>10.0foo</c> is <c>10</c>, <c>0foo</c>); whitespace between tokens is kept, so
/// <c>a b c</c> is the single element <c>"a b c"</c>. An empty element must be quoted: <c>a..b</c> is an error.
/// </summary>
internal static class PathExpression
{
    public static string[] FromTokens(IReadOnlyList<Token> tokens, ConfigOrigin at)
    {
        var first = 0;
        var last = tokens.Count - 1;
        while (first <= last && tokens[first].Kind == TokenKind.Whitespace)
        {
            first++;
        }

        while (last >= first && tokens[last].Kind == TokenKind.Whitespace)
        {
            last--;
        }

        if (first > last)
        {
            throw ConfigErrors.At(at, "expected a path expression, found nothing");
        }

        var elements = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = first; i <= last; i++)
        {
            var token = tokens[i];
            switch (token.Kind)
            {
                case TokenKind.QuotedString:
                    current.Append(token.Text);
                    quoted = true;
                    break;
                case TokenKind.Whitespace or TokenKind.UnquotedText or TokenKind.Number
                    or TokenKind.True or TokenKind.False or TokenKind.Null:
                    foreach (var c in token.Text)
                    {
                        if (c == '.' && token.Kind != TokenKind.Whitespace)
                        {
                            Finish(token.Origin);
                        }
                        else
                        {
                            current.Append(c);
                        }
                    }

                    break;
                default:
                    throw ConfigErrors.Expected("a path element (a name or a quoted string)", token);
            }
        }

        Finish(tokens[last].Origin);
        return [.. elements];

        void Finish(ConfigOrigin origin)
        {
            if (current.Length == 0 && !quoted)
            {
                throw ConfigErrors.At(origin, "path has an empty element (a leading, trailing or doubled '.'); quote an empty key as \"\"");
            }

            elements.Add(current.ToString());
            current.Clear();
            quoted = false;
        }
    }

    /// <summary>Parses a path given to a getter, such as <c>a.b."c.d"</c>.</summary>
    public static string[] Parse(string path)
    {
        if (IsSimple(path))
        {
            return path.Split('.');
        }

        try
        {
            var tokens = Tokenizer.Tokenize(path, "path", Syntax.Hocon);
            tokens.RemoveAt(tokens.Count - 1);
            return FromTokens(tokens, new ConfigOrigin("path", 1, 1));
        }
        catch (ConfigurationException e)
        {
            throw new ConfigurationException($"invalid path expression '{path}' (at column {e.Origin?.Column}): {e.Reason}", origin: null, path, e);
        }
    }

    // The common case, a.b.c with plain names, needs no tokenizer.
    private static bool IsSimple(string path)
    {
        if (path.Length == 0 || path[0] == '.' || path[^1] == '.')
        {
            return false;
        }

        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || (c == '.' && path[i - 1] != '.')))
            {
                return false;
            }
        }

        return true;
    }
}
