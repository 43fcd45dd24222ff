/** A domain event before it is stored: a past-tense type and its data. */
export interface DomainEventOf<Type extends string, Data> {
  type: Type;
  data: Data;
}
