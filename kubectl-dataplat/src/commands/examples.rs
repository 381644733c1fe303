//! `examples list` and `examples render NAME [--check]`.

use dataplat_lifecycle::examples;
use dataplat_lifecycle::text::Table;

use super::{context, fetch};
use crate::CliError;
use crate::cli::{ExampleRenderArgs, ExamplesCommand, Format, Global};
use crate::output::{print_data, to_yaml};

pub fn run(global: &Global, command: ExamplesCommand) -> Result<(), CliError> {
    match command {
        ExamplesCommand::List(args) => list(global, args.output),
        ExamplesCommand::Render(args) => render(global, args),
    }
}

fn list(global: &Global, output: Format) -> Result<(), CliError> {
    let plan = context(global).session()?.plan;
    let examples = examples::list(&plan);
    if output != Format::Table {
        return print_data(output, &examples);
    }
    let mut table = Table::new(&["EXAMPLE", "ADDON", "AVAILABLE", "WHAT"]);
    for e in &examples {
        let available = if e.available { "yes".to_string() } else { format!("no (enable {})", e.addon) };
        table.row(vec![e.name.to_string(), e.addon.to_string(), available, e.description.to_string()]);
    }
    print!("{}", table.render());
    Ok(())
}

fn render(global: &Global, args: ExampleRenderArgs) -> Result<(), CliError> {
    let ctx = context(global);
    let dataplat_lifecycle::Session { loaded, plan, .. } = ctx.session()?;
    let objects = examples::render(&plan, &args.name)?;
    if args.check {
        let problems = examples::references(&plan, &objects);
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        let with = examples::with_example(&plan, &args.name, objects.clone());
        let analysis = dataplat_lifecycle::readiness::analyze(&ctx, &with, &loaded.platform, &fetch(&args.fetch))?;
        if !global.quiet {
            eprint!("{}", dataplat_lifecycle::text::readiness(&analysis));
        }
        if !problems.is_empty() {
            return Err(CliError::failed(
                format!("example {}: {} name(s) the plan does not make", args.name, problems.len()),
                None,
            ));
        }
        if analysis.report().is_none() {
            return Err(CliError::failed(
                format!("example {}: the readiness analysis could not run", args.name),
                Some(
                    "--check renders the platform's charts: run `kubectl dataplat render` once, or pass --mirror"
                        .into(),
                ),
            ));
        }
        dataplat_lifecycle::readiness::gate(&analysis)?;
    }
    match args.output {
        Format::Json => print_data(Format::Json, &objects),
        _ => {
            let mut text = String::new();
            for object in &objects {
                text.push_str("---\n");
                text.push_str(&to_yaml(object).map_err(|e| CliError::failed(e, None))?);
            }
            print!("{text}");
            Ok(())
        }
    }
}
