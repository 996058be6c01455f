using System;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>
/// What every text pipeline over a task head shares: the model, its tokenizer (required) and the way calls reach the
/// model, directly or through a caller's session of the same model.
/// </summary>
/// <typeparam name="TModel">The head interface the pipeline needs (so a checkpoint without that head does not compile).</typeparam>
public abstract class TextPipeline<TModel> where TModel : class, IAlbertModel
{
    /// <summary>Runs the model directly, or through the session the pipeline was given.</summary>
    private protected readonly PipelineRunner Runner;

    /// <param name="task">The task's name for the missing-tokenizer message, e.g. "Text classification".</param>
    /// <exception cref="InvalidOperationException">The model was compiled without a tokenizer.</exception>
    /// <exception cref="ArgumentException">The session runs another model.</exception>
    private protected TextPipeline(TModel model, AlbertSession? session, string task)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Tokenizer = PipelineText.RequireTokenizer(model, task);
        Runner = new PipelineRunner(model, session);
    }

    public TModel Model { get; }

    public AlbertTokenizer Tokenizer { get; }
}
