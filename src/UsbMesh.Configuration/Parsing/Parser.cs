using UsbMesh.Configuration.Loading;
using UsbMesh.Configuration.Merging;
using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Parsing;

/// <summary>
/// Builds the unresolved tree of one document. Fields are merged into their object as they are read, so duplicate
/// keys, dotted keys and includes all go through <see cref="Merger"/>; substitutions stay in the tree for the
/// resolver. Each loop iteration consumes a token or throws, and nesting is bounded, so no input can hang it.
/// </summary>
internal sealed partial class Parser
{
    private const int MaxNestingDepth = 500;

    private readonly List<Token> _tokens;
    private readonly Syntax _syntax;
    private readonly SourceInfo _source;
    private readonly IReadOnlyList<string> _prefix;
    private readonly SourceLoader _loader;
    private int _pos;
    private int _depth;

    private Parser(List<Token> tokens, Syntax syntax, SourceInfo source, IReadOnlyList<string> prefix, SourceLoader loader)
    {
        _tokens = tokens;
        _syntax = syntax;
        _source = source;
        _prefix = prefix;
        _loader = loader;
    }

    /// <summary>
    /// Parses a document whose root must be an object. <paramref name="prefix"/> is the path of the include point
    /// when the document is included, so its substitutions can be fixed up to it.
    /// </summary>
    public static HoconObject ParseDocument(string text, Syntax syntax, SourceInfo source, IReadOnlyList<string> prefix, SourceLoader loader)
    {
        var tokens = Tokenizer.Tokenize(text, source.Description, syntax);
        return new Parser(tokens, syntax, source, prefix, loader).Document();
    }

    private Token Peek => _tokens[_pos];

    private Token Next() => _tokens[_pos < _tokens.Count - 1 ? _pos++ : _pos];

    private HoconObject Document()
    {
        SkipBlank();
        var first = Peek;
        HoconObject root;
        if (first.Kind == TokenKind.OpenBrace)
        {
            Next();
            root = new HoconObject(first.Origin);
            ObjectBody(root, [], first);
            SkipBlank();
            if (Peek.Kind != TokenKind.EndOfFile)
            {
                throw ConfigErrors.Expected("end of file after the closing '}' of the root object", Peek);
            }
        }
        else if (first.Kind == TokenKind.OpenBracket)
        {
            throw ConfigErrors.Expected("'{' or a key", first, "(the root of a configuration must be an object, not a list)");
        }
        else if (_syntax == Syntax.Json)
        {
            throw ConfigErrors.Expected("'{' to open the root object", first);
        }
        else
        {
            root = new HoconObject(first.Origin);
            ObjectBody(root, [], opener: null);
        }

        return root;
    }

    /// <summary>
    /// Reads fields into <paramref name="target"/> up to the closing brace (or end of file for a root without braces).
    /// <paramref name="path"/> is the object's path from the document root.
    /// </summary>
    private void ObjectBody(HoconObject target, IReadOnlyList<string> path, Token? opener)
    {
        EnterNesting(opener ?? Peek);
        while (true)
        {
            SkipBlank();
            var token = Peek;
            if (opener is not null && token.Kind == TokenKind.CloseBrace)
            {
                Next();
                break;
            }

            if (token.Kind == TokenKind.EndOfFile)
            {
                if (opener is null)
                {
                    break;
                }

                throw Unclosed(opener, "'}' to close the object", "");
            }

            if (token.Kind == TokenKind.CloseBrace)
            {
                throw ConfigErrors.Expected("a key or the end of the document", token, "(the document does not start with '{', so it cannot close one)");
            }

            if (_syntax == Syntax.Hocon && token.Kind == TokenKind.UnquotedText && token.Text == "include")
            {
                Include(target, path);
            }
            else
            {
                Field(target, path);
            }

            if (!FieldSeparator(opener is null ? TokenKind.EndOfFile : TokenKind.CloseBrace))
            {
                throw opener is null ? ConfigErrors.Expected("',' or a new line between fields", Peek)
                    : Unclosed(opener, "'}' to close the object", "',', a new line or '}' after a field");
            }
        }

        _depth--;
    }

    /// <summary>
    /// After a field or list element: a comma, one or more newlines, or both (a comma may start the next line).
    /// False when there is no separator and the container does not end either. JSON needs the comma; a trailing
    /// comma before the end is HOCON only.
    /// </summary>
    private bool FieldSeparator(TokenKind closer)
    {
        SkipWhitespace();
        var newline = Peek.Kind == TokenKind.Newline && _syntax == Syntax.Hocon;
        SkipBlank();
        if (Peek.Kind != TokenKind.Comma)
        {
            return newline || Peek.Kind == closer;
        }

        var comma = Next();
        SkipBlank();
        if (Peek.Kind == TokenKind.Comma)
        {
            throw ConfigErrors.Expected("a value after ','", Peek, "(two commas in a row)");
        }

        if (_syntax == Syntax.Json && Peek.Kind == closer)
        {
            throw ConfigErrors.At(comma.Origin, "a trailing ',' is not allowed in JSON");
        }

        return true;
    }

    private void Field(HoconObject target, IReadOnlyList<string> path)
    {
        var keyStart = Peek;
        var key = Key();
        SkipBlank();
        var separator = Peek;
        var append = false;
        switch (separator.Kind)
        {
            case TokenKind.Colon or TokenKind.Equals:
                Next();
                break;
            case TokenKind.PlusEquals:
                Next();
                append = true;
                break;
            case TokenKind.OpenBrace when _syntax == Syntax.Hocon:
                break;
            default:
                throw ConfigErrors.Expected(_syntax == Syntax.Json ? "':'" : "':', '=', '+=' or '{'", separator,
                    $"after the key '{HoconPath.Render(key)}'");
        }

        SkipBlank();
        string[] fieldPath = [.. path, .. key];
        var value = Value(fieldPath, $"after the key '{HoconPath.Render(key)}'");
        if (append)
        {
            if (ListToAppendTo(target, key, fieldPath) is { } list)
            {
                list.Add(value);
                return;
            }

            // a += b means a = ${?a} [b]: a self-referential substitution sees the previous value of a.
            var previous = new Substitution(fieldPath, optional: true, _prefix, keyStart.Origin);
            value = new Concatenation([previous, new HoconArray([value], value.Origin)], keyStart.Origin);
        }

        for (var i = key.Length - 1; i > 0; i--)
        {
            value = HoconObject.Single(key[i], value, keyStart.Origin);
        }

        Set(target, key[0], value);
    }

    /// <summary>
    /// The list a <c>+=</c> can append to in place, when this document already holds one for the field: a list, or
    /// the <c>${?a} [ … ]</c> of an earlier <c>a += …</c>. Appending there gives the value <c>${?a} [b]</c> would,
    /// without a chain of self-references resolved one inside another (deep, and quadratic, for long lists).
    /// </summary>
    private HoconArray? ListToAppendTo(HoconObject target, string[] key, string[] fieldPath)
    {
        var parent = target;
        foreach (var element in key[..^1])
        {
            if (!parent.TryGet(element, out var child) || child is not HoconObject childObject)
            {
                return null;
            }

            parent = childObject;
        }

        if (!parent.TryGet(key[^1], out var existing))
        {
            return null;
        }

        return MergeStack.LevelsOf(existing)[0] switch
        {
            HoconArray list => list,
            Concatenation { Pieces: [Substitution { Optional: true } self, HoconArray list] }
                when self.Prefix.SequenceEqual(_prefix) && self.Path.SequenceEqual(fieldPath) => list,
            _ => null,
        };
    }

    private static void Set(HoconObject target, string key, HoconValue value) =>
        target.Set(key, target.TryGet(key, out var existing) ? Merger.Merge(value, existing, mutate: true) : value);

    private string[] Key()
    {
        var start = Peek;
        if (_syntax == Syntax.Json)
        {
            if (start.Kind != TokenKind.QuotedString)
            {
                throw ConfigErrors.Expected("a quoted key", start);
            }

            Next();
            return [start.Text];
        }

        var tokens = new List<Token>();
        while (Peek.Kind is TokenKind.QuotedString or TokenKind.UnquotedText or TokenKind.Number
            or TokenKind.True or TokenKind.False or TokenKind.Null or TokenKind.Whitespace)
        {
            tokens.Add(Next());
        }

        if (tokens.Count == 0)
        {
            throw ConfigErrors.Expected("a key (a name or a quoted string)", start);
        }

        return PathExpression.FromTokens(tokens, start.Origin);
    }

    /// <summary>
    /// A value: one or more pieces written side by side on one line. Unquoted whitespace between pieces is kept
    /// (it matters when they join into a string); whitespace before the first and after the last is not.
    /// </summary>
    private HoconValue Value(IReadOnlyList<string> path, string context)
    {
        if (!Peek.StartsValue)
        {
            throw ConfigErrors.Expected("a value", Peek, context);
        }

        var pieces = new List<HoconValue>();
        while (true)
        {
            if (Peek.StartsValue)
            {
                if (pieces.Count > 0 && _syntax == Syntax.Json)
                {
                    throw ConfigErrors.Expected("',' between JSON values", Peek);
                }

                pieces.Add(Piece(path));
            }
            else if (Peek.Kind == TokenKind.Whitespace && _tokens[_pos + 1].StartsValue)
            {
                var whitespace = Next();
                pieces.Add(new HoconScalar(ScalarKind.String, whitespace.Text, whitespace.Origin, isWhitespace: true));
            }
            else
            {
                break;
            }
        }

        return pieces.Count == 1 ? pieces[0] : Concatenate(pieces);
    }

    private HoconValue Piece(IReadOnlyList<string> path)
    {
        var token = Next();
        return token.Kind switch
        {
            TokenKind.QuotedString or TokenKind.UnquotedText => HoconScalar.String(token.Text, token.Origin),
            TokenKind.Number => new HoconScalar(ScalarKind.Number, token.Text, token.Origin),
            TokenKind.True or TokenKind.False => new HoconScalar(ScalarKind.Boolean, token.Text, token.Origin),
            TokenKind.Null => HoconScalar.Null(token.Origin),
            TokenKind.Substitution => new Substitution(
                PathExpression.FromTokens(token.PathTokens, token.Origin), token.OptionalSubstitution, _prefix, token.Origin),
            TokenKind.OpenBrace => NestedObject(token, path),
            _ => List(token, path),
        };
    }

    private HoconObject NestedObject(Token opener, IReadOnlyList<string> path)
    {
        var result = new HoconObject(opener.Origin);
        ObjectBody(result, path, opener);
        return result;
    }

    private HoconArray List(Token opener, IReadOnlyList<string> path)
    {
        EnterNesting(opener);
        var elements = new List<HoconValue>();
        while (true)
        {
            SkipBlank();
            if (Peek.Kind == TokenKind.CloseBracket)
            {
                Next();
                break;
            }

            if (Peek.Kind == TokenKind.EndOfFile)
            {
                throw Unclosed(opener, "']' to close the list", "");
            }

            elements.Add(Value(path, "in a list"));
            if (!FieldSeparator(TokenKind.CloseBracket))
            {
                throw Unclosed(opener, "']' to close the list", "',', a new line or ']' after a list element");
            }
        }

        _depth--;
        return new HoconArray(elements, opener.Origin);
    }

    /// <summary>
    /// Pieces without substitutions are joined right away (into a string, a list or a merged object); the rest wait
    /// for resolution as a <see cref="Concatenation"/>.
    /// </summary>
    private static HoconValue Concatenate(List<HoconValue> pieces) =>
        pieces.Any(piece => piece is Substitution)
            ? new Concatenation(pieces, pieces[0].Origin)
            : Concatenator.Join(pieces, pieces[0].Origin)!;

    // At the end of the input the missing closer is the news; elsewhere, what may follow an element.
    private ConfigurationException Unclosed(Token opener, string closer, string separators) =>
        Peek.Kind == TokenKind.EndOfFile || separators.Length == 0
            ? ConfigErrors.Expected($"{closer} opened at {opener.Origin.Line}:{opener.Origin.Column}", Peek)
            : ConfigErrors.Expected(separators, Peek);

    private void EnterNesting(Token at)
    {
        if (++_depth > MaxNestingDepth)
        {
            throw ConfigErrors.At(at.Origin, $"objects and lists are nested more than {MaxNestingDepth} deep");
        }
    }

    private void SkipWhitespace()
    {
        while (Peek.Kind == TokenKind.Whitespace)
        {
            Next();
        }
    }

    private void SkipBlank()
    {
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Newline)
        {
            Next();
        }
    }
}
