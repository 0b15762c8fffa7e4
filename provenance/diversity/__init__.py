"""Source diversity: how varied a QA file's questions are and how widely they cover their sources.

The paper's remedy "diversity of sources over volume" made measurable: duplicate and near-duplicate
questions, distinct-2, the question-type mix, and how questions spread over their contexts and where
in a context their answers sit. Everything is gathered in bounded memory during the record pass
(``accumulator``), merged exactly across parallel parts and across the files of a folder.
"""
