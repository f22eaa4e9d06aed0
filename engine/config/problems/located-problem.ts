/** A Problem found inside one file, before the file's name is attached. */
import type { ErrorCode } from '../../errors.js';
import type { Problem } from '../compiled.js';
import type { DataPath, Position } from './yaml-locator.js';

export interface LocatedProblem {
  /** The data the problem concerns; lets later stages drop follow-on problems at the same place. */
  readonly path: DataPath;
  readonly position: Position;
  readonly code: ErrorCode;
  readonly message: string;
}

export function toProblem(file: string, problem: Pick<LocatedProblem, 'position' | 'code' | 'message'>): Problem {
  return { file, line: problem.position.line, column: problem.position.column, code: problem.code, message: problem.message };
}
