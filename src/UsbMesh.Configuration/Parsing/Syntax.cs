namespace UsbMesh.Configuration.Parsing;

/// <summary>The two grammars the parser understands; JSON turns off every HOCON extension.</summary>
internal enum Syntax
{
    Hocon,
    Json,
}
